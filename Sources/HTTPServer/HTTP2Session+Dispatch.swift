import CNGHTTP2
import Logging

/// Streams to requests and responses to frames: the protocol-independent half of HTTP/2
/// (same router, handler execution, request ids, access log and observer as HTTP/1.1).
extension HTTP2Session {
    /// Records one request header field; pseudo-headers fill the request line.
    func addHeader(_ stream: HTTP2Stream, name: UnsafeBufferPointer<UInt8>, value: UnsafeBufferPointer<UInt8>) -> Int32 {
        if stream.rejected { return 0 }
        let limits = context.configuration.limits
        stream.headerBytes += name.count + value.count + 32
        // Same budget as HTTP/1.1's request line plus header section (CONTINUATION flood defence).
        if stream.headerBytes > limits.maxHeaderBytes + limits.maxURILength || stream.headers.count >= limits.maxHeaderCount {
            stream.rejected = true
            stream.headers = HTTPHeaders()
            reject(stream, .tooManyHeaders)
            return 0
        }
        let n = String(decoding: name, as: UTF8.self)
        let v = String(decoding: value, as: UTF8.self)
        if name.first == 0x3A {
            switch n {
            case ":method": stream.method = v
            case ":path": stream.path = v
            case ":scheme": stream.scheme = v
            case ":authority": stream.authority = v
            default: break
            }
        } else {
            stream.headers.add(name: n, value: v)
        }
        return 0
    }

    /// A request HEADERS frame ended: refuse a declared body over the limit before it arrives.
    func headersComplete(_ stream: HTTP2Stream) {
        if stream.rejected { return }
        if let cl = stream.headers["content-length"], let n = Int(cl), n > context.configuration.limits.maxBodyBytes {
            reject(stream, .bodyTooLarge)
        }
    }

    func addBody(_ stream: HTTP2Stream, _ bytes: UnsafeBufferPointer<UInt8>) {
        let limit = context.configuration.limits.maxBodyBytes
        if stream.body.count + bytes.count > limit {
            reject(stream, .bodyTooLarge)
            return
        }
        // All streams together may buffer twice one maximal body: 100 concurrent uploads must
        // not cost 100 times what one HTTP/1.1 connection can.
        if bufferedBodyBytes + bytes.count > 2 * limit {
            reject(stream, HTTPParseError(503, "too_much_upload_in_flight",
                                          "too many concurrent request bodies on this connection; retry with fewer parallel uploads"))
            return
        }
        bufferedBodyBytes += bytes.count
        stream.body.append(contentsOf: bytes)
    }

    /// Returns a stream's buffered body to the connection budget.
    func releaseBody(_ stream: HTTP2Stream) {
        bufferedBodyBytes -= stream.body.count
        stream.body = []
    }

    /// Answers `error` on the stream and ignores what else arrives on it.
    func reject(_ stream: HTTP2Stream, _ error: HTTPParseError) {
        stream.rejected = true
        releaseBody(stream)
        guard !stream.dispatched else { return }
        stream.dispatched = true
        var req = HTTPRequest(method: stream.method.isEmpty ? "-" : stream.method, path: "-", version: "HTTP/2")
        req.remoteAddress = remote
        req.requestID = RequestID.generate()
        complete(stream, request: req, response: .error(error.status, code: error.code, message: error.message),
                 pattern: nil, start: monotonicNanos(), headOnly: false)
    }

    /// The client finished the request (END_STREAM): build it and route it.
    func requestComplete(_ stream: HTTP2Stream) {
        let limits = context.configuration.limits
        if stream.path.utf8.count > limits.maxURILength { reject(stream, .uriTooLong); return }
        var req = HTTPRequest(method: stream.method, headers: stream.headers, body: stream.body, version: "HTTP/2", target: stream.path)
        releaseBody(stream)
        let bytes = Array(stream.path.utf8)
        let q = bytes.firstIndex(of: 0x3F)
        let pathBytes = bytes[0..<(q ?? bytes.count)]
        if pathBytes.isEmpty {
            req.path = "/"
        } else if let p = PercentDecoding.decode(pathBytes, plusAsSpace: false) {
            req.path = p
        } else {
            reject(stream, .bad("invalid percent-encoding in path")); return
        }
        if let q {
            guard PercentDecoding.parseQuery(bytes[(q + 1)...], into: &req.queryItems) else {
                reject(stream, .bad("invalid percent-encoding in query")); return
            }
            for item in req.queryItems { req.query[item.name] = item.value }
        }
        // Handlers that read Host see the same field as over HTTP/1.1.
        if !stream.authority.isEmpty && !req.headers.contains("host") { req.headers.add(name: "host", value: stream.authority) }
        dispatch(stream, prepared: req)
    }

    /// Routes `request` and runs its handler the way ``Connection`` does for HTTP/1.1.
    func dispatch(_ stream: HTTP2Stream, prepared request: HTTPRequest) {
        var req = request
        stream.dispatched = true
        req.remoteAddress = remote
        if let id = req.headers["X-Request-Id"], RequestID.isSane(id) { req.requestID = id } else { req.requestID = RequestID.generate() }
        let start = monotonicNanos()
        let headOnly = req.method == "HEAD"
        switch context.routes.match(method: req.method, target: req.target, path: req.path) {
        case .notFound:
            complete(stream, request: req, response: .notFound(req), pattern: nil, start: start, headOnly: headOnly)
        case .methodNotAllowed(let allow):
            complete(stream, request: req, response: .methodNotAllowed(req, allow: allow), pattern: nil, start: start,
                     headOnly: headOnly)
        case .found(let handler, let pattern, let params, let execution):
            req.pathParameters = params
            let logger = context.logger
            let finalReq = req
            let loop = self.loop
            @Sendable func run() async -> HTTPResponse {
                await Router.respond(with: handler, to: finalReq, pattern: pattern, logger: logger)
            }
            let box = UncheckedBox(self, stream)
            switch execution {
            case .task:
                Task {
                    let response = await run()
                    loop.execute {
                        box.session.complete(box.stream, request: finalReq, response: response, pattern: pattern, start: start, headOnly: headOnly)
                    }
                }
            case .inline:
                let handoff = InlineHandoff()
                Task.immediate {
                    let response = await run()
                    if !handoff.offer(response) {
                        loop.execute {
                            box.session.complete(box.stream, request: finalReq, response: response, pattern: pattern, start: start, headOnly: headOnly)
                        }
                    }
                }
                if let response = handoff.take() {
                    complete(stream, request: finalReq, response: response, pattern: pattern, start: start, headOnly: headOnly)
                }
            }
        }
    }

    /// Submits the response (HEADERS, then DATA from the data provider), logs and observes it.
    func complete(_ stream: HTTP2Stream, request: HTTPRequest, response: HTTPResponse, pattern: String?,
                  start: UInt64, headOnly: Bool) {
        let now = monotonicNanos()
        lastActivity = now
        requestsServed += 1
        guard let session, streams[stream.id] === stream else { return }  // reset by the client meanwhile
        let status = (100...999).contains(response.status) ? response.status : 500
        let noBody = headOnly || HTTPStatus.forbidsBody(status)
        let streamed = response.bodyStream != nil && !noBody
        var fields: [(String, String)] = [(":status", String(status))]
        var hasServer = false
        for (name, value) in response.headers {
            let lower = String(decoding: name.utf8.map(asciiLower), as: UTF8.self)
            switch lower {
            // Connection-specific fields are forbidden in HTTP/2 (RFC 9113 §8.2.2); length is ours.
            case "content-length", "transfer-encoding", "connection", "keep-alive", "upgrade", "proxy-connection", "date", "x-request-id":
                continue
            case "server": hasServer = true
            default: break
            }
            guard !lower.isEmpty, lower.utf8.allSatisfy(isTokenChar),
                  value.utf8.allSatisfy({ $0 != 0x0D && $0 != 0x0A && $0 != 0 }) else { continue }
            fields.append((lower, value))
        }
        let serverName = context.configuration.serverName
        if !hasServer && !serverName.isEmpty { fields.append(("server", serverName)) }
        let dateLine = loop.serializer.currentDateLine()  // "Date: <IMF-fixdate>\r\n"
        fields.append(("date", String(decoding: dateLine[6..<(dateLine.count - 2)], as: UTF8.self)))
        if !request.requestID.isEmpty { fields.append(("x-request-id", request.requestID)) }
        if !streamed && !HTTPStatus.forbidsBody(status) { fields.append(("content-length", String(response.body.count))) }

        stream.out = noBody || streamed ? [] : response.body
        stream.outOffset = 0
        stream.outEnded = !streamed
        let rc = submit(session, stream: stream.id, fields: fields, withBody: !noBody)
        if rc != 0 {
            context.logger.debug("h2 submit_response failed: \(errorText(rc))", metadata: ["remote": "\(remote)"])
            _ = nghttp2_submit_rst_stream(session, UInt8(NGHTTP2_FLAG_NONE.rawValue), stream.id, NGHTTP2_INTERNAL_ERROR.rawValue)
        }
        let bytes = noBody ? 0 : response.body.count
        let seconds = Double(now &- start) / 1e9
        if context.logRequests {
            context.logger.info("\(request.method) \(request.path) \(status) \(bytes)B \(Int((seconds * 1000).rounded()))ms h2",
                                metadata: ["request_id": "\(request.requestID)", "remote": "\(remote)"])
        }
        context.observer?(request, pattern, response, seconds)
        if streamed, let producer = response.bodyStream, rc == 0 { startStream(stream, producer) }
        pump()
    }

    private func submit(_ session: OpaquePointer, stream id: Int32, fields: [(String, String)], withBody: Bool) -> Int32 {
        // One buffer for every name and value; nghttp2 copies them during the call.
        var storage: [UInt8] = []
        var spans: [(Int, Int, Int, Int)] = []
        for (n, v) in fields {
            let ns = storage.count
            storage.append(contentsOf: n.utf8)
            let vs = storage.count
            storage.append(contentsOf: v.utf8)
            spans.append((ns, n.utf8.count, vs, v.utf8.count))
        }
        storage.append(0)
        return storage.withUnsafeMutableBufferPointer { buf -> Int32 in
            let base = buf.baseAddress!
            var nva = spans.map { s in
                nghttp2_nv(name: base + s.0, value: base + s.2, namelen: s.1, valuelen: s.3, flags: UInt8(NGHTTP2_NV_FLAG_NONE.rawValue))
            }
            if withBody {
                var provider = nghttp2_data_provider(source: nghttp2_data_source(), read_callback: HTTP2Callbacks.readBody)
                return nghttp2_submit_response(session, id, &nva, nva.count, &provider)
            }
            return nghttp2_submit_response(session, id, &nva, nva.count, nil)
        }
    }

    // MARK: - Streamed bodies

    private func startStream(_ stream: HTTP2Stream, _ producer: HTTPBodyStream) {
        let loop = self.loop
        let box = UncheckedBox(self, stream)
        let writer = HTTPBodyWriter { bytes, cont in
            loop.execute { box.session.streamWrite(box.stream, bytes, cont) }
        }
        Task {
            var failed = false
            do { try await producer.produce(writer) } catch { failed = true }
            let f = failed
            loop.execute { box.session.finishStream(box.stream, failed: f) }
        }
    }

    private func streamWrite(_ stream: HTTP2Stream, _ bytes: [UInt8], _ cont: CheckedContinuation<Void, any Error>) {
        guard let session, streams[stream.id] === stream else { cont.resume(throwing: HTTPBodyWriterError.connectionClosed); return }
        if bytes.isEmpty { cont.resume(); return }
        stream.out.append(contentsOf: bytes)
        resumeIfDeferred(session, stream)
        pump()
        if stream.out.count - stream.outOffset > HTTP2Session.streamHighWater { stream.writer = cont } else { cont.resume() }
    }

    private func finishStream(_ stream: HTTP2Stream, failed: Bool) {
        guard let session, streams[stream.id] === stream else { return }
        if failed {
            // HTTP/2 can say what HTTP/1.1 cannot: the body is incomplete.
            _ = nghttp2_submit_rst_stream(session, UInt8(NGHTTP2_FLAG_NONE.rawValue), stream.id, NGHTTP2_INTERNAL_ERROR.rawValue)
        } else {
            stream.outEnded = true
            resumeIfDeferred(session, stream)
        }
        pump()
    }

    private func resumeIfDeferred(_ session: OpaquePointer, _ stream: HTTP2Stream) {
        if stream.deferred {
            stream.deferred = false
            _ = nghttp2_session_resume_data(session, stream.id)
        }
    }

    /// Lets a waiting producer continue once its stream's backlog is small again.
    func releaseWriter(_ stream: HTTP2Stream) {
        if let w = stream.writer, stream.out.count - stream.outOffset <= HTTP2Session.streamHighWater {
            stream.writer = nil
            w.resume()
        }
    }

    static let streamHighWater = 256 * 1024
}

/// Carries loop-thread-only objects through a task back to the loop thread (never touched elsewhere).
struct UncheckedBox: @unchecked Sendable {
    let session: HTTP2Session
    let stream: HTTP2Stream
    init(_ session: HTTP2Session, _ stream: HTTP2Stream) { self.session = session; self.stream = stream }
}
