import HTTPServer

/// libFuzzer entry point for the HTTP/1.1 request parser.
///
/// Oracles beyond "does not crash or trip ASan":
/// - differential: the bytes fed whole and fed in two pieces (cut chosen by the first input
///   byte) and fed byte-by-byte must give the same requests and the same final error status;
/// - limits hold: no body exceeds `maxBodyBytes`, no request has more than `maxHeaderCount`
///   header fields, every error status is one the parser documents.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzHTTPParser(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    guard size > 0 else { return 0 }
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    var limits = HTTPParserLimits()
    limits.maxURILength = 256
    limits.maxHeaderBytes = 1024
    limits.maxHeaderCount = 16
    limits.maxBodyBytes = 4096
    let input = Array(bytes.dropFirst())
    let cut = input.isEmpty ? 0 : Int(bytes[0]) % (input.count + 1)
    let whole = run([input], limits)
    let split = run([Array(input[..<cut]), Array(input[cut...])], limits)
    guard whole == split else { fatalError("split at \(cut) changed the parse: \(whole) vs \(split)") }
    if input.count <= 96 {  // byte-by-byte is costly under ASan; short inputs cover the framing edges
        let dribble = run(input.map { [$0] }, limits)
        guard whole == dribble else { fatalError("byte-by-byte feeding changed the parse: \(whole) vs \(dribble)") }
    }
    return 0
}

struct Outcome: Equatable, CustomStringConvertible {
    var requests: [String] = []
    var error: Int? = nil
    var description: String { "\(requests) error=\(error.map(String.init) ?? "none")" }
}

let documentedStatuses: Set<Int> = [400, 408, 411, 413, 414, 417, 431, 501, 505]

func run(_ chunks: [[UInt8]], _ limits: HTTPParserLimits) -> Outcome {
    var p = HTTPRequestParser(limits: limits)
    var o = Outcome()
    for c in chunks {
        p.append(c)
        while true {
            switch p.next() {
            case .needMoreData:
                break
            case .continueNeeded:
                continue
            case .request(let r, let keepAlive):
                precondition(r.body.count <= limits.maxBodyBytes, "body over limit")
                precondition(r.headers.count <= limits.maxHeaderCount, "too many headers accepted")
                precondition(r.target.utf8.count <= limits.maxURILength, "target over limit")
                o.requests.append("\(r.method) \(r.target) \(r.version) \(r.path) \(r.queryItems.map { "\($0.name)=\($0.value)" }) \(r.headers.map { "\($0.name):\($0.value)" }) \(r.trailers.map { "\($0.name):\($0.value)" }) \(r.body) \(keepAlive)")
                continue
            case .error(let e):
                precondition(documentedStatuses.contains(e.status), "undocumented status \(e.status)")
                o.error = e.status
                return o
            }
            break
        }
    }
    return o
}
