/// A complete HTTP request as handlers see it, independent of the wire protocol
/// (HTTP/1.0, HTTP/1.1 and, later, HTTP/2 produce the same value).
public struct HTTPRequest: Sendable {
    /// Request method as sent, e.g. `"GET"`, `"POST"` (methods are case-sensitive).
    public var method: String
    /// Percent-decoded path without the query, e.g. `"/v1/models/a b"`.
    public var path: String
    /// Percent-decoded query parameters (`+` decodes to space); the last value of a repeated name wins.
    public var query: [String: String]
    /// Every query parameter in order, duplicates kept.
    public var queryItems: [(name: String, value: String)]
    /// Request header fields.
    public var headers: HTTPHeaders
    /// The whole request body (already de-chunked).
    public var body: [UInt8]
    /// `"HTTP/1.1"`, `"HTTP/1.0"`, later `"HTTP/2"`.
    public var version: String
    /// Values of `{param}` segments, filled by the ``Router``.
    public var pathParameters: [String: String]
    /// The request id: the client's `X-Request-Id` if sane, otherwise generated. Echoed in the response.
    public var requestID: String
    /// Peer address, e.g. `"127.0.0.1:51234"` or `"[::1]:51234"`.
    public var remoteAddress: String
    /// The raw (still percent-encoded) request target as received, e.g. `"/a%20b?x=1"`.
    public var target: String
    /// Trailer fields of a chunked body (empty otherwise).
    public var trailers: HTTPHeaders

    /// Builds a request; handy for unit-testing handlers without a socket.
    public init(method: String = "GET", path: String = "/", query: [String: String] = [:],
                queryItems: [(name: String, value: String)] = [], headers: HTTPHeaders = .init(),
                body: [UInt8] = [], version: String = "HTTP/1.1", pathParameters: [String: String] = [:],
                requestID: String = "", remoteAddress: String = "", target: String? = nil,
                trailers: HTTPHeaders = .init()) {
        self.method = method
        self.path = path
        self.query = query
        self.queryItems = queryItems
        self.headers = headers
        self.body = body
        self.version = version
        self.pathParameters = pathParameters
        self.requestID = requestID
        self.remoteAddress = remoteAddress
        self.target = target ?? path
        self.trailers = trailers
    }
}
