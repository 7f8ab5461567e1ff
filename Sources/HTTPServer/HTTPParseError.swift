/// Why a request could not be parsed: the status to answer with, the JSON error `code` and a
/// message naming the problem. After any parse error the server answers and closes the
/// connection, because the framing of whatever follows can no longer be trusted.
public struct HTTPParseError: Error, Sendable, Equatable, CustomStringConvertible {
    /// HTTP status to answer with (400, 408, 411, 413, 414, 417, 431, 501, 505).
    public var status: Int
    /// JSON error code, e.g. `"bad_request"`.
    public var code: String
    /// What was wrong, for the client.
    public var message: String

    /// An error with status, code and message.
    public init(_ status: Int, _ code: String, _ message: String) {
        self.status = status
        self.code = code
        self.message = message
    }

    /// `"<status> <code>: <message>"`.
    public var description: String { "\(status) \(code): \(message)" }

    static func bad(_ message: String) -> HTTPParseError { .init(400, "bad_request", message) }
    static let uriTooLong = HTTPParseError(414, "uri_too_long", "request target exceeds the configured limit")
    static let headersTooLarge = HTTPParseError(431, "headers_too_large", "request header section exceeds the configured size limit")
    static let tooManyHeaders = HTTPParseError(431, "headers_too_large", "too many header fields")
    static let bodyTooLarge = HTTPParseError(413, "payload_too_large", "request body exceeds the configured limit")
    static let lengthRequired = HTTPParseError(411, "length_required", "POST and PUT need Content-Length or Transfer-Encoding: chunked")
}

/// Size limits the parser enforces while reading.
public struct HTTPParserLimits: Sendable {
    /// Longest accepted request target in bytes (414 beyond).
    public var maxURILength: Int = 8 * 1024
    /// Largest header section (all field lines after the request line) in bytes (431 beyond).
    /// Also bounds the trailer section of a chunked body.
    public var maxHeaderBytes: Int = 16 * 1024
    /// Most header fields (431 beyond). Also bounds the number of trailer fields.
    public var maxHeaderCount: Int = 100
    /// Largest request body in bytes (413 beyond), checked from Content-Length before any body
    /// byte is read, and while reading a chunked body.
    public var maxBodyBytes: Int = 64 * 1024 * 1024

    public init() {}
}
