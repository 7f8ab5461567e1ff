/// A response body produced piece by piece (sent with `Transfer-Encoding: chunked` to
/// HTTP/1.1 clients, close-delimited to HTTP/1.0 ones). Set it as ``HTTPResponse/bodyStream``;
/// `body` is then ignored.
public struct HTTPBodyStream: Sendable {
    let produce: @Sendable (HTTPBodyWriter) async throws -> Void

    /// `produce` writes the body with ``HTTPBodyWriter/write(_:)`` and returns when done. If it
    /// throws, the connection is closed (the client sees a truncated body, as HTTP/1.1 has no
    /// other way to signal a failure after the head was sent).
    public init(_ produce: @escaping @Sendable (HTTPBodyWriter) async throws -> Void) {
        self.produce = produce
    }
}

/// Writes pieces of a streamed response body; `write` waits while more than 256 KiB are still
/// unsent, so a slow client slows the producer instead of filling memory.
public final class HTTPBodyWriter: Sendable {
    private let sink: @Sendable ([UInt8], CheckedContinuation<Void, any Error>) -> Void

    init(sink: @escaping @Sendable ([UInt8], CheckedContinuation<Void, any Error>) -> Void) {
        self.sink = sink
    }

    /// Queues `bytes` for sending (empty writes are ignored).
    /// - Throws: ``HTTPBodyWriterError/connectionClosed`` once the client is gone.
    public func write(_ bytes: [UInt8]) async throws {
        try await withCheckedThrowingContinuation { (c: CheckedContinuation<Void, any Error>) in sink(bytes, c) }
    }

    /// Queues the UTF-8 bytes of `text`.
    public func write(_ text: String) async throws { try await write(Array(text.utf8)) }
}

/// Why a streamed body could not be written.
public enum HTTPBodyWriterError: Error, Sendable {
    /// The connection was closed (by the client, a timeout or server shutdown).
    case connectionClosed
}

extension HTTPResponse {
    /// A streamed response: `produce` writes the body in pieces.
    public static func stream(_ status: Int = 200, headers: HTTPHeaders = .init(),
                              _ produce: @escaping @Sendable (HTTPBodyWriter) async throws -> Void) -> HTTPResponse {
        var r = HTTPResponse(status: status, headers: headers)
        r.bodyStream = HTTPBodyStream(produce)
        return r
    }
}
