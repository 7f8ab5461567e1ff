/// One HTTP/2 request/response exchange on an ``HTTP2Session``: the request as it arrives
/// (pseudo-headers, fields, body) and the response body as the nghttp2 data provider drains it.
/// Touched only on the connection's loop thread.
final class HTTP2Stream {
    let id: Int32
    var method = ""
    var path = ""
    var scheme = ""
    var authority = ""
    var headers = HTTPHeaders()
    var headerBytes = 0
    var body: [UInt8] = []
    /// The request was answered early (413/431) or reset: further frames are ignored.
    var rejected = false
    /// The request was handed to the router.
    var dispatched = false

    // Response body, drained by the data provider.
    var out: [UInt8] = []
    var outOffset = 0
    /// No more response bytes will be added (EOF once `out` is drained).
    var outEnded = true
    /// The data provider answered NGHTTP2_ERR_DEFERRED and waits for `resume_data`.
    var deferred = false
    /// A streamed-body producer waiting for the unsent backlog to shrink.
    var writer: CheckedContinuation<Void, any Error>?

    init(id: Int32) { self.id = id }

    /// Fails a waiting producer (the stream is gone).
    func failWriter() {
        if let w = writer { writer = nil; w.resume(throwing: HTTPBodyWriterError.connectionClosed) }
    }
}
