/// A response produced by a handler. The server adds `Content-Length`, `Date`, `Server`,
/// `Connection` and `X-Request-Id`; any `Content-Length`/`Transfer-Encoding` a handler sets is replaced.
public struct HTTPResponse: Sendable {
    /// Status code, e.g. 200.
    public var status: Int
    /// Header fields to send.
    public var headers: HTTPHeaders
    /// Body bytes (not sent for HEAD requests, 1xx, 204 and 304).
    public var body: [UInt8]
    /// When set, the body is streamed from this instead of `body` (see ``HTTPBodyStream``).
    public var bodyStream: HTTPBodyStream? = nil

    /// A response; by default 200 with no headers and an empty body.
    public init(status: Int = 200, headers: HTTPHeaders = .init(), body: [UInt8] = []) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// A JSON response (`Content-Type: application/json`); `body` must already be JSON text.
    public static func json(_ status: Int, _ body: String) -> HTTPResponse {
        HTTPResponse(status: status, headers: HTTPHeaders([("Content-Type", "application/json")]), body: Array(body.utf8))
    }

    /// A text response.
    public static func text(_ status: Int, _ body: String, contentType: String = "text/plain; charset=utf-8") -> HTTPResponse {
        HTTPResponse(status: status, headers: HTTPHeaders([("Content-Type", contentType)]), body: Array(body.utf8))
    }

    /// The project's error shape: `{"error":{"code":"<code>","message":"<message>"}}`.
    public static func error(_ status: Int, code: String, message: String) -> HTTPResponse {
        .json(status, "{\"error\":{\"code\":\(jsonString(code)),\"message\":\(jsonString(message))}}")
    }
}

/// Errors a handler throws to produce a specific status; anything else becomes 500 `"internal"`.
public protocol HTTPResponseError: Error {
    /// HTTP status to answer with.
    var status: Int { get }
    /// Machine-readable error code, e.g. `"unsupported_media_type"`.
    var code: String { get }
    /// Human-readable message.
    var message: String { get }
    /// Extra response headers, e.g. `("Retry-After", "1")`.
    var extraHeaders: [(String, String)] { get }
}

extension HTTPResponseError {
    /// No extra headers unless the error type says so.
    public var extraHeaders: [(String, String)] { [] }

    /// The JSON error response for this error, with ``extraHeaders`` added.
    public var response: HTTPResponse {
        var r = HTTPResponse.error(status, code: code, message: message)
        for (n, v) in extraHeaders { r.headers.add(name: n, value: v) }
        return r
    }
}

/// A JSON string literal (with quotes) for `s`, escaping per RFC 8259.
func jsonString(_ s: String) -> String {
    var out = [UInt8]()
    out.reserveCapacity(s.utf8.count + 2)
    out.append(0x22)
    let hex = Array("0123456789abcdef".utf8)
    for c in s.utf8 {
        switch c {
        case 0x22: out += [0x5C, 0x22]
        case 0x5C: out += [0x5C, 0x5C]
        case 0x0A: out += [0x5C, 0x6E]
        case 0x0D: out += [0x5C, 0x72]
        case 0x09: out += [0x5C, 0x74]
        case 0..<0x20: out += [0x5C, 0x75, 0x30, 0x30, hex[Int(c >> 4)], hex[Int(c & 15)]]
        default: out.append(c)
        }
    }
    out.append(0x22)
    return String(decoding: out, as: UTF8.self)
}
