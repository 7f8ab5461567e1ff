import CNGHTTP2
import Logging

/// HTTP/2 over cleartext (h2c) for one ``Connection``, on top of an nghttp2 server session.
///
/// The connection keeps owning the socket, the write buffer and the timeouts; this type turns
/// received bytes into nghttp2 events (`nghttp2_session_mem_recv`), each complete stream into
/// an ``HTTPRequest`` for the same ``Router`` and handler execution as HTTP/1.1, and fills the
/// connection's write buffer from `nghttp2_session_mem_send`. Touched only on the loop thread.
final class HTTP2Session {
    /// The client connection preface every prior-knowledge h2c connection starts with.
    static let preface: [UInt8] = Array("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".utf8)
    /// Streams one client may have open at once (SETTINGS_MAX_CONCURRENT_STREAMS).
    static let maxConcurrentStreams: UInt32 = 100
    /// Per-stream receive window: a typical image upload arrives without waiting for WINDOW_UPDATEs.
    static let streamWindow: Int32 = 1 << 20
    /// Connection receive window (all streams together).
    static let connectionWindow: Int32 = 16 << 20
    /// Unsent bytes above which no more frames are pulled from nghttp2 until the socket drains.
    static let outputHighWater = 1 << 20
    /// Rapid-reset defence (CVE-2023-44487): more client RST_STREAMs than this within
    /// ``resetWindowNanos`` end the connection with GOAWAY(ENHANCE_YOUR_CALM).
    static let maxResetsPerWindow = 200
    static let resetWindowNanos: UInt64 = 1_000_000_000

    weak var connection: Connection?
    let context: ServerContext
    unowned let loop: IOLoop
    let remote: String
    private(set) var session: OpaquePointer?
    var streams: [Int32: HTTP2Stream] = [:]
    /// Inside `mem_recv` (callbacks may not call `mem_send`).
    private var receiving = false
    private var pumping = false
    private var teardownPending = false
    private(set) var draining = false
    var peerClosed = false
    var lastActivity: UInt64
    var resetCount = 0
    var resetWindowStart: UInt64 = 0
    var requestsServed = 0
    /// Request body bytes buffered across this connection's unfinished streams.
    var bufferedBodyBytes = 0

    init(connection: Connection) {
        self.connection = connection
        context = connection.context
        loop = connection.loop
        remote = connection.remote
        lastActivity = monotonicNanos()
    }

    /// Creates the nghttp2 session and queues the server SETTINGS; false when nghttp2 fails.
    func start() -> Bool {
        var cbs: OpaquePointer?
        guard nghttp2_session_callbacks_new(&cbs) == 0, let cbs else { return false }
        defer { nghttp2_session_callbacks_del(cbs) }
        HTTP2Callbacks.install(cbs)
        var opt: OpaquePointer?
        guard nghttp2_option_new(&opt) == 0, let opt else { return false }
        defer { nghttp2_option_del(opt) }
        // nghttp2's own token bucket for RST_STREAM and its CONTINUATION cap, besides ours.
        nghttp2_option_set_stream_reset_rate_limit(opt, 1000, 33)
        nghttp2_option_set_max_continuations(opt, 8)
        nghttp2_option_set_max_settings(opt, 32)
        var s: OpaquePointer?
        let me = Unmanaged.passUnretained(self).toOpaque()
        guard nghttp2_session_server_new2(&s, cbs, me, opt) == 0, let s else { return false }
        session = s
        let limits = context.configuration.limits
        var iv = [
            nghttp2_settings_entry(settings_id: Int32(NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS.rawValue), value: HTTP2Session.maxConcurrentStreams),
            nghttp2_settings_entry(settings_id: Int32(NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE.rawValue), value: UInt32(HTTP2Session.streamWindow)),
            nghttp2_settings_entry(settings_id: Int32(NGHTTP2_SETTINGS_MAX_HEADER_LIST_SIZE.rawValue), value: UInt32(clamping: limits.maxHeaderBytes + limits.maxURILength)),
        ]
        guard nghttp2_submit_settings(s, UInt8(NGHTTP2_FLAG_NONE.rawValue), &iv, iv.count) == 0 else { return false }
        _ = nghttp2_session_set_local_window_size(s, UInt8(NGHTTP2_FLAG_NONE.rawValue), 0, HTTP2Session.connectionWindow)
        return true
    }

    /// Switches an HTTP/1.1 `Upgrade: h2c` request to HTTP/2: `settings` is the decoded
    /// HTTP2-Settings payload; the request itself becomes stream 1 (answered here).
    func upgrade(settings: [UInt8], request: HTTPRequest) -> Bool {
        guard let session else { return false }
        let rc = settings.withUnsafeBufferPointer { p in
            nghttp2_session_upgrade2(session, p.baseAddress, p.count, request.method == "HEAD" ? 1 : 0, nil)
        }
        guard rc == 0 else { return false }
        let stream = HTTP2Stream(id: 1)
        streams[1] = stream
        dispatch(stream, prepared: request)
        pump()
        return true
    }

    /// Feeds received bytes to nghttp2 and sends what it queued in answer.
    func receive(_ bytes: UnsafeRawBufferPointer) {
        guard let session, bytes.count > 0 else { return }
        lastActivity = monotonicNanos()
        receiving = true
        let n = nghttp2_session_mem_recv(session, bytes.baseAddress!.assumingMemoryBound(to: UInt8.self), bytes.count)
        receiving = false
        if teardownPending { teardown(); return }
        if n < 0 {
            // Fatal for the connection (bad preface, flood, protocol error): send the GOAWAY
            // nghttp2 queued, if any, and close.
            context.logger.debug("h2 session error: \(errorText(Int32(n)))", metadata: ["remote": "\(remote)"])
            pump()
            connection?.finishAfterOutput()
            return
        }
        pump()
    }

    /// Pulls frames from nghttp2 into the connection's write buffer while it is not backed up.
    func pump() {
        guard let session, !receiving, !pumping, let conn = connection, !conn.closed else { return }
        pumping = true
        defer { pumping = false }
        while true {
            while conn.pendingOutputBytes < HTTP2Session.outputHighWater {
                var p: UnsafePointer<UInt8>?
                let n = nghttp2_session_mem_send(session, &p)
                if n < 0 {
                    context.logger.debug("h2 send error: \(errorText(Int32(n)))", metadata: ["remote": "\(remote)"])
                    conn.close()
                    return
                }
                if n == 0 { break }
                conn.appendOutput(UnsafeRawBufferPointer(start: p, count: n))
            }
            conn.flushOutput()
            if conn.closed { return }
            // Keep going only if the socket took everything and nghttp2 has more.
            if conn.pendingOutputBytes > 0 || nghttp2_session_want_write(session) == 0 { break }
        }
        let done = (nghttp2_session_want_read(session) == 0 && nghttp2_session_want_write(session) == 0)
            || ((draining || peerClosed) && streams.isEmpty && nghttp2_session_want_write(session) == 0)
        if done { conn.finishAfterOutput() }
    }

    /// Called by the connection when its write buffer emptied: more frames may follow.
    func outputDrained() { pump() }

    /// The peer closed its sending side: finish the open streams, then close.
    func peerFinished() {
        peerClosed = true
        pump()
    }

    /// Graceful shutdown: GOAWAY naming the last stream taken; streams in flight complete.
    func drain() {
        guard let session, !draining else { return }
        draining = true
        _ = nghttp2_submit_goaway(session, UInt8(NGHTTP2_FLAG_NONE.rawValue), nghttp2_session_get_last_proc_stream_id(session),
                                  NGHTTP2_NO_ERROR.rawValue, nil, 0)
        pump()
    }

    /// Idle timeout: no open stream for `keepAliveTimeout` → GOAWAY and close. Streams that all
    /// still wait for request bytes and get none for `bodyIdleTimeout` (h2 slowloris) → GOAWAY
    /// and close too; streams whose handlers run are not timed out (as over HTTP/1.1).
    func checkTimeouts(now: UInt64) {
        let c = context.configuration
        if !streams.isEmpty {
            if let session, streams.values.allSatisfy({ !$0.dispatched }), now &- lastActivity > c.bodyIdleTimeout.nanoseconds {
                context.logger.debug("h2 request stalled; sending GOAWAY", metadata: ["remote": "\(remote)"])
                _ = nghttp2_session_terminate_session(session, NGHTTP2_NO_ERROR.rawValue)
                lastActivity = now
                pump()
            }
            return
        }
        let limit = requestsServed == 0 ? c.headerTimeout : c.keepAliveTimeout
        if now &- lastActivity > limit.nanoseconds {
            if !draining { drain() } else { connection?.close() }
        }
    }

    /// Counts a client RST_STREAM; past the limit the connection is torn down (rapid reset).
    func noteReset() {
        let now = monotonicNanos()
        if now &- resetWindowStart > HTTP2Session.resetWindowNanos {
            resetWindowStart = now
            resetCount = 0
        }
        resetCount += 1
        if resetCount > HTTP2Session.maxResetsPerWindow, let session {
            context.logger.warning("h2 rapid reset: \(resetCount) RST_STREAM within 1 s; sending GOAWAY", metadata: ["remote": "\(remote)"])
            _ = nghttp2_session_terminate_session(session, NGHTTP2_ENHANCE_YOUR_CALM.rawValue)
        }
    }

    /// Frees the nghttp2 session and fails waiting producers (the connection closed).
    func teardown() {
        if receiving { teardownPending = true; return }  // never free the session inside its own callback
        teardownPending = false
        for s in streams.values { s.failWriter() }
        streams.removeAll()
        if let session { nghttp2_session_del(session) }
        session = nil
    }

    func errorText(_ code: Int32) -> String {
        guard let p = nghttp2_strerror(code) else { return "nghttp2 error \(code)" }
        return String(cString: p)
    }
}
