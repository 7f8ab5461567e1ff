@testable import HTTPServer

/// Everything a parse produced, in a comparable form.
struct ParsedSummary: Equatable, CustomStringConvertible {
    var method: String
    var path: String
    var target: String
    var version: String
    var query: [String]
    var headers: [String]
    var trailers: [String]
    var body: [UInt8]
    var keepAlive: Bool

    init(_ r: HTTPRequest, keepAlive: Bool) {
        method = r.method
        path = r.path
        target = r.target
        version = r.version
        query = r.queryItems.map { "\($0.name)=\($0.value)" }
        headers = r.headers.map { "\($0.name): \($0.value)" }
        trailers = r.trailers.map { "\($0.name): \($0.value)" }
        body = r.body
        self.keepAlive = keepAlive
    }

    var description: String { "\(method) \(target) \(version) path=\(path) q=\(query) h=\(headers) t=\(trailers) body=\(body.count)B keepAlive=\(keepAlive)" }
}

enum ParseOutcome: Equatable {
    case requests([ParsedSummary], continues: Int)
    case error(Int, requestsBefore: Int)
}

/// Feeds `chunks` one after another, draining events after each, like a connection does.
func parse(chunks: [[UInt8]], limits: HTTPParserLimits = .init()) -> ParseOutcome {
    var p = HTTPRequestParser(limits: limits)
    var out: [ParsedSummary] = []
    var continues = 0
    for c in chunks {
        p.append(c)
        loop: while true {
            switch p.next() {
            case .needMoreData: break loop
            case .continueNeeded: continues += 1
            case .request(let r, let k): out.append(ParsedSummary(r, keepAlive: k))
            case .error(let e): return .error(e.status, requestsBefore: out.count)
            }
        }
    }
    return .requests(out, continues: continues)
}

func parse(_ s: String, limits: HTTPParserLimits = .init()) -> ParseOutcome {
    parse(chunks: [Array(s.utf8)], limits: limits)
}

func bytes(_ s: String) -> [UInt8] { Array(s.utf8) }
