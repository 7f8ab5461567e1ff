import CLinuxIO
import Logging
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One client connection: reads into the incremental parser, hands complete requests to
/// handlers one at a time (so pipelined requests are answered in order), writes responses,
/// and enforces the timeouts. Touched only on its loop thread.
final class Connection: @unchecked Sendable {
    let fd: Int32
    let id: UInt64
    let remote: String
    unowned let loop: IOLoop
    let context: ServerContext
    /// Accepted over the connection limit: answer 503 and close.
    let rejected: Bool

    private var parser: HTTPRequestParser
    /// Reading paused because pipelined input piled up while a handler runs.
    private var readSuspended = false
    private var wantRead = true
    private var wantWrite = false

    private var out: [UInt8] = []
    private var outOffset = 0

    private var inFlight = false
    private var processing = false
    private var closeAfterWrite = false
    private var lingering = false
    private var readEOF = false
    private(set) var closed = false
    private var requestsServed = 0

    // HTTP/2 (h2c): the first bytes decide the protocol; then HTTP2Session takes the stream.
    private var h2: HTTP2Session?
    private var protocolKnown = false
    private var sniffed: [UInt8] = []

    // Monotonic timestamps (ns) for the timeouts.
    private var headStart: UInt64
    private var lastRead: UInt64
    private var idleSince: UInt64
    private var writeProgress: UInt64 = 0
    private var lingerStart: UInt64 = 0

    // Streamed response state.
    private var streamChunked = false
    private var streamKeep = false
    private var streamWaiter: CheckedContinuation<Void, any Error>?
    private static let streamHighWater = 256 * 1024

    /// Pipelined bytes buffered while a handler runs before reading pauses (backpressure).
    private static let maxBufferedWhileBusy = 1 << 20
    private static let lingerNanos: UInt64 = 2_000_000_000
    private static let continueBytes = Array("HTTP/1.1 100 Continue\r\n\r\n".utf8)

    init(fd: Int32, id: UInt64, remote: String, loop: IOLoop, rejected: Bool) {
        self.fd = fd
        self.id = id
        self.remote = remote
        self.loop = loop
        self.context = loop.context
        self.rejected = rejected
        parser = HTTPRequestParser(limits: loop.context.configuration.limits)
        let now = monotonicNanos()
        headStart = now
        lastRead = now
        idleSince = now
    }

    func start() {
        if rejected {
            let r = HTTPResponse.error(503, code: "too_many_connections", message: "the server is at its connection limit; retry shortly")
            var resp = r
            resp.headers.add(name: "Retry-After", value: "1")
            closeAfterWrite = true
            loop.serializer.serialize(resp, requestID: "", headOnly: false, keepAlive: false, http10: false, into: &out)
            flush()
        } else if loop.draining {
            close()
        }
    }

    // MARK: - Reading

    /// Called by the loop with the epoll event bits for this socket.
    func handle(events: UInt32) {
        if closed { return }
        if events & EPOLLOUT.rawValue != 0 { flush() }
        if closed { return }
        if events & (EPOLLIN.rawValue | EPOLLRDHUP.rawValue | EPOLLHUP.rawValue | EPOLLERR.rawValue) != 0 {
            if wantRead {
                onReadable()
            } else if events & (EPOLLHUP.rawValue | EPOLLERR.rawValue) != 0 {
                close()  // the peer is gone while we were not reading
            }
        }
    }

    private func updateInterest() {
        let r = !readEOF && !readSuspended
        let w = out.count > outOffset
        if r != wantRead || w != wantWrite {
            wantRead = r
            wantWrite = w
            loop.setInterest(self, read: r, write: w)
        }
    }

    private func onReadable() {
        if closed { return }
        let scratch = loop.scratch
        while true {
            let n = recv(fd, scratch.baseAddress, scratch.count, 0)
            if n > 0 {
                if lingering || rejected { continue }  // discard until the peer closes
                let chunk = UnsafeRawBufferPointer(start: scratch.baseAddress, count: n)
                if let h2 {
                    h2.receive(chunk)
                    if closed { return }
                    if n < scratch.count { break }
                    continue
                }
                if !protocolKnown && sniffProtocol(chunk) {
                    if closed { return }
                    if n < scratch.count { break }
                    continue
                }
                let now = monotonicNanos()
                if !inFlight && parser.phase == .idle && requestsServed > 0 { headStart = now }
                if sniffed.isEmpty {
                    parser.append(chunk)
                } else {
                    parser.append(sniffed)
                    sniffed = []
                }
                lastRead = now
                if n < scratch.count { break }
                if inFlight && parser.bufferedByteCount > Connection.maxBufferedWhileBusy { break }
                continue
            }
            if n == 0 {
                readEOF = true
                cancelRead()
                if lingering || rejected { close(); return }
                if let h2 { h2.peerFinished(); return }
                break
            }
            let e = errno
            if e == EINTR { continue }
            if e == EAGAIN || e == EWOULDBLOCK { break }
            close()
            return
        }
        if inFlight && parser.bufferedByteCount > Connection.maxBufferedWhileBusy && !readSuspended {
            readSuspended = true
            updateInterest()
        }
        process()
    }

    /// Buffers the first bytes until they match or miss the HTTP/2 preface. True when the
    /// bytes were taken (still undecided, or handed to a new ``HTTP2Session``); false once the
    /// connection is HTTP/1.x, with everything received so far left in `sniffed` for the parser.
    private func sniffProtocol(_ chunk: UnsafeRawBufferPointer) -> Bool {
        sniffed.append(contentsOf: chunk)
        let preface = HTTP2Session.preface
        let k = min(sniffed.count, preface.count)
        guard sniffed[0..<k].elementsEqual(preface[0..<k]) else {
            protocolKnown = true
            return false
        }
        if sniffed.count < preface.count { return true }
        protocolKnown = true
        let session = HTTP2Session(connection: self)
        guard session.start() else {
            context.logger.error("h2: nghttp2 session could not be created; closing", metadata: ["remote": "\(remote)"])
            close()
            return true
        }
        h2 = session
        let bytes = sniffed
        sniffed = []
        bytes.withUnsafeBytes { session.receive($0) }
        return true
    }

    /// `Upgrade: h2c`: answer 101 and continue as HTTP/2 with `request` as stream 1.
    private func upgradeToHTTP2(_ request: HTTPRequest) -> Bool {
        guard h2 == nil, !loop.draining, parser.bufferedByteCount == 0,
              let settings = HTTP2Session.upgradeSettings(request) else { return false }
        let session = HTTP2Session(connection: self)
        guard session.start() else { return false }
        h2 = session
        protocolKnown = true
        out.append(contentsOf: HTTP2Session.switchingProtocols)
        if !session.upgrade(settings: settings, request: request) {
            context.logger.debug("h2c upgrade rejected by nghttp2 (bad HTTP2-Settings)", metadata: ["remote": "\(remote)"])
            finishAfterOutput()
        }
        return true
    }

    // MARK: - Used by HTTP2Session

    /// Bytes queued but not yet sent.
    var pendingOutputBytes: Int { out.count - outOffset }

    func appendOutput(_ bytes: UnsafeRawBufferPointer) { out.append(contentsOf: bytes) }

    func flushOutput() { flush() }

    /// Close (with the usual linger) once everything queued is written.
    func finishAfterOutput() {
        if closed || closeAfterWrite { return }
        closeAfterWrite = true
        if out.count == outOffset { startLinger() } else { flush() }
    }

    /// The peer finished sending: stop watching for input (level-triggered EOF would spin).
    private func cancelRead() {
        updateInterest()
    }

    // MARK: - Requests

    /// Takes parser events until a request is in flight or more data is needed.
    private func process() {
        if processing || h2 != nil { return }
        processing = true
        defer { processing = false }
        while !inFlight && !closed && !closeAfterWrite && !lingering {
            switch parser.next() {
            case .needMoreData:
                if readEOF { finish() }
                return
            case .continueNeeded:
                out.append(contentsOf: Connection.continueBytes)
                flush()
            case .error(let e):
                respondToParseError(e)
                return
            case .request(let req, let keepAlive):
                if upgradeToHTTP2(req) { return }
                dispatch(req, keepAlive: keepAlive)
            }
        }
    }

    /// Nothing more will arrive: close once everything queued is written.
    private func finish() {
        closeAfterWrite = true
        if out.count == outOffset { close() }
    }

    private func respondToParseError(_ e: HTTPParseError) {
        let now = monotonicNanos()
        var req = HTTPRequest(method: "-", path: "-")
        req.remoteAddress = remote
        req.requestID = RequestID.generate()
        complete(request: req, keepAlive: false, response: .error(e.status, code: e.code, message: e.message),
                 pattern: nil, start: now, headOnly: false, http10: false)
    }

    private func dispatch(_ request: HTTPRequest, keepAlive: Bool) {
        var req = request
        inFlight = true
        requestsServed += 1
        req.remoteAddress = remote
        if let id = req.headers["X-Request-Id"], RequestID.isSane(id) { req.requestID = id } else { req.requestID = RequestID.generate() }
        let start = monotonicNanos()
        let headOnly = req.method == "HEAD"
        let http10 = req.version == "HTTP/1.0"
        switch context.routes.match(method: req.method, target: req.target, path: req.path) {
        case .notFound:
            complete(request: req, keepAlive: keepAlive, response: .notFound(req),
                     pattern: nil, start: start, headOnly: headOnly, http10: http10)
        case .methodNotAllowed(let allow):
            complete(request: req, keepAlive: keepAlive, response: .methodNotAllowed(req, allow: allow), pattern: nil,
                     start: start, headOnly: headOnly, http10: http10)
        case .found(let handler, let pattern, let params, let execution):
            req.pathParameters = params
            let logger = context.logger
            let finalReq = req
            let loop = self.loop
            @Sendable func run() async -> HTTPResponse {
                await Router.respond(with: handler, to: finalReq, pattern: pattern, logger: logger)
            }
            switch execution {
            case .task:
                Task { [self] in
                    let response = await run()
                    loop.execute {
                        self.complete(request: finalReq, keepAlive: keepAlive, response: response, pattern: pattern,
                                      start: start, headOnly: headOnly, http10: http10)
                    }
                }
            case .inline:
                // Runs synchronously here until the handler first suspends; a handler that never
                // suspends completes before Task.immediate returns and is answered without a hop.
                let handoff = InlineHandoff()
                Task.immediate { [self] in
                    let response = await run()
                    if !handoff.offer(response) {
                        loop.execute {
                            self.complete(request: finalReq, keepAlive: keepAlive, response: response, pattern: pattern,
                                          start: start, headOnly: headOnly, http10: http10)
                        }
                    }
                }
                if let response = handoff.take() {
                    complete(request: finalReq, keepAlive: keepAlive, response: response, pattern: pattern,
                             start: start, headOnly: headOnly, http10: http10)
                }
            }
        }
    }

    private func complete(request: HTTPRequest, keepAlive: Bool, response: HTTPResponse, pattern: String?,
                          start: UInt64, headOnly: Bool, http10: Bool) {
        inFlight = false
        if closed { return }
        var keep = keepAlive && !loop.draining && !readEOF && requestsServed < context.configuration.maxRequestsPerConnection
        if keep, let c = response.headers["Connection"], c.utf8.count == 5, c.asciiCaseInsensitiveEquals("close") { keep = false }
        let streamed = response.bodyStream != nil && !headOnly && !HTTPStatus.forbidsBody(response.status)
        if streamed && http10 { keep = false }
        let bytes = loop.serializer.serialize(response, requestID: request.requestID, headOnly: headOnly,
                                              keepAlive: keep, http10: http10, streamed: streamed, into: &out)
        let now = monotonicNanos()
        let seconds = Double(now &- start) / 1e9
        if context.logRequests {
            context.logger.info("\(request.method) \(request.path) \(response.status) \(bytes)B \(Int((seconds * 1000).rounded()))ms",
                                metadata: ["request_id": "\(request.requestID)", "remote": "\(remote)"])
        }
        context.observer?(request, pattern, response, seconds)
        if streamed, let stream = response.bodyStream {
            startStream(stream, chunked: !http10, keep: keep)
            return
        }
        if !keep { closeAfterWrite = true }
        headStart = now
        idleSince = now
        flush()
        if closed || closeAfterWrite { return }
        if readSuspended { readSuspended = false; updateInterest() }
        process()
    }

    // MARK: - Streamed bodies

    private func startStream(_ stream: HTTPBodyStream, chunked: Bool, keep: Bool) {
        inFlight = true  // no further request is read until the stream ends
        streamChunked = chunked
        streamKeep = keep
        flush()
        if closed { return }
        let loop = self.loop
        let writer = HTTPBodyWriter { [self] bytes, cont in
            loop.execute { self.streamWrite(bytes, cont) }
        }
        Task { [self] in
            var failed = false
            do { try await stream.produce(writer) } catch { failed = true }
            let f = failed
            loop.execute { self.finishStream(failed: f) }
        }
    }

    private func streamWrite(_ bytes: [UInt8], _ cont: CheckedContinuation<Void, any Error>) {
        if closed { cont.resume(throwing: HTTPBodyWriterError.connectionClosed); return }
        if bytes.isEmpty { cont.resume(); return }
        if streamChunked {
            out.append(contentsOf: String(bytes.count, radix: 16).utf8)
            out.append(contentsOf: [0x0D, 0x0A])
            out.append(contentsOf: bytes)
            out.append(contentsOf: [0x0D, 0x0A])
        } else {
            out.append(contentsOf: bytes)
        }
        flush()
        if closed { cont.resume(throwing: HTTPBodyWriterError.connectionClosed); return }
        if out.count - outOffset > Connection.streamHighWater { streamWaiter = cont } else { cont.resume() }
    }

    private func finishStream(failed: Bool) {
        inFlight = false
        if closed { return }
        if failed { close(); return }
        if streamChunked { out.append(contentsOf: "0\r\n\r\n".utf8) }
        if !streamKeep { closeAfterWrite = true }
        let now = monotonicNanos()
        headStart = now
        idleSince = now
        flush()
        if closed || closeAfterWrite { return }
        if readSuspended { readSuspended = false; updateInterest() }
        process()
    }

    /// Lets a waiting stream producer continue once the unsent backlog is small again.
    private func releaseStreamWaiter() {
        if let w = streamWaiter, out.count - outOffset <= Connection.streamHighWater {
            streamWaiter = nil
            w.resume()
        }
    }

    // MARK: - Writing

    private func flush() {
        if closed { return }
        while outOffset < out.count {
            let n = out.withUnsafeBytes { p in
                send(fd, p.baseAddress! + outOffset, p.count - outOffset, Int32(MSG_NOSIGNAL))
            }
            if n > 0 {
                outOffset += n
                writeProgress = monotonicNanos()
                continue
            }
            let e = errno
            if n < 0 && e == EINTR { continue }
            if n < 0 && (e == EAGAIN || e == EWOULDBLOCK) {
                if !wantWrite { writeProgress = monotonicNanos() }
                updateInterest()  // wait for EPOLLOUT
                releaseStreamWaiter()
                return
            }
            close()
            return
        }
        // Reuse the buffer's capacity for typical responses, not after a multi-megabyte one.
        if out.capacity > 256 * 1024 { out = [] } else { out.removeAll(keepingCapacity: true) }
        outOffset = 0
        if wantWrite { updateInterest() }
        releaseStreamWaiter()
        if closeAfterWrite { startLinger(); return }
        h2?.outputDrained()
    }

    /// After a final response: stop sending and discard what the peer still sends until it
    /// closes (or 2 s pass), so a client that is mid-upload reads our answer instead of a reset.
    private func startLinger() {
        if closed || lingering { return }
        if readEOF { close(); return }
        lingering = true
        lingerStart = monotonicNanos()
        shutdown(fd, Int32(SHUT_WR))
        if readSuspended { readSuspended = false; updateInterest() }
    }

    // MARK: - Timeouts and closing

    func checkTimeouts(now: UInt64) {
        if closed { return }
        let c = context.configuration
        if lingering {
            if now &- lingerStart > Connection.lingerNanos { close() }
            return
        }
        if out.count > outOffset {
            if now &- writeProgress > c.writeTimeout.nanoseconds {
                context.logger.debug("write stalled; closing", metadata: ["remote": "\(remote)"])
                close()
            }
            return
        }
        if inFlight || rejected { return }
        if let h2 { h2.checkTimeouts(now: now); return }
        switch parser.phase {
        case .idle:
            let limit = requestsServed == 0 ? c.headerTimeout : c.keepAliveTimeout
            if now &- idleSince > limit.nanoseconds { close() }
        case .head:
            if now &- headStart > c.headerTimeout.nanoseconds { timeout("request header not received in time") }
        case .body:
            if now &- lastRead > c.bodyIdleTimeout.nanoseconds { timeout("request body stalled") }
        case .failed:
            close()
        }
    }

    private func timeout(_ message: String) {
        respondToParseError(HTTPParseError(408, "request_timeout", message))
    }

    /// Graceful shutdown: idle connections close now, busy ones after their response.
    func drain() {
        if closed { return }
        if let h2 { if lingering { close() } else { h2.drain() }; return }
        if !inFlight && parser.phase == .idle && out.count == outOffset { close(); return }
        if lingering { close() }
    }

    func close() {
        if closed { return }
        closed = true
        if let w = streamWaiter { streamWaiter = nil; w.resume(throwing: HTTPBodyWriterError.connectionClosed) }
        h2?.teardown()
        loop.remove(self)
        if !rejected { context.connections.subtract(1, ordering: .relaxed) }
        Glibc.close(fd)
    }
}

/// Hands an inline handler's response back to the I/O code that started it: if the handler
/// finished before `Task.immediate` returned, `take()` gets the response; otherwise the task
/// learns (from `offer` returning false) that it must post the completion itself.
final class InlineHandoff: Sendable {
    private enum State { case pending, callerLeft, done(HTTPResponse) }
    private let state = Mutex<State>(.pending)

    /// Called by the task; true when the caller will pick the response up.
    func offer(_ r: HTTPResponse) -> Bool {
        state.withLock { s in
            if case .pending = s { s = .done(r); return true }
            return false
        }
    }

    /// Called by the caller right after starting the task.
    func take() -> HTTPResponse? {
        state.withLock { s in
            if case .done(let r) = s { s = .callerLeft; return r }
            s = .callerLeft
            return nil
        }
    }
}
