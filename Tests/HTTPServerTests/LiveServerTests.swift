import Foundation
import Testing
import Synchronization
@testable import HTTPServer
#if canImport(Glibc)
import Glibc
#endif

@Suite("HTTP server on loopback", .serialized)
struct LiveServerTests {
    @Test func basicGetHasFraming() async throws {
        try await withServer { _, port in
            let r = try await offThread {
                let c = try TestClient(port: port)
                try c.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
                return try c.readResponse()
            }
            #expect(r.status == 200)
            #expect(r.bodyText == #"{"status":"ok"}"#)
            #expect(r.header("Content-Length") == "15")
            #expect(r.header("Content-Type") == "application/json")
            #expect(r.header("Server") == "hkt-serve")
            #expect(r.header("Date")?.hasSuffix(" GMT") == true)
            #expect(r.header("X-Request-Id")?.isEmpty == false)
            #expect(r.header("Connection") == nil)
        }
    }

    @Test func requestIDHonouredOrGenerated() async throws {
        try await withServer { _, port in
            let (a, b) = try await offThread {
                let c = try TestClient(port: port)
                try c.send("GET /reqid HTTP/1.1\r\nHost: x\r\nX-Request-Id: abc-123\r\n\r\n")
                let a = try c.readResponse()
                try c.send("GET /reqid HTTP/1.1\r\nHost: x\r\nX-Request-Id: has space\r\n\r\n")
                return (a, try c.readResponse())
            }
            #expect(a.header("X-Request-Id") == "abc-123")
            #expect(a.bodyText == "abc-123")
            #expect(b.header("X-Request-Id") != "has space")
            #expect(b.bodyText == b.header("X-Request-Id"))
        }
    }

    @Test func routingErrorsAndHead() async throws {
        try await withServer { _, port in
            let rs = try await offThread {
                let c = try TestClient(port: port)
                var out: [RawResponse] = []
                for req in ["GET /nope HTTP/1.1\r\nHost: x\r\n\r\n",
                            "DELETE /healthz HTTP/1.1\r\nHost: x\r\n\r\n",
                            "GET /v1/models/m%2Fx HTTP/1.1\r\nHost: x\r\n\r\n",
                            "GET /v1/models/special HTTP/1.1\r\nHost: x\r\n\r\n",
                            "GET /teapot HTTP/1.1\r\nHost: x\r\n\r\n",
                            "GET /boom HTTP/1.1\r\nHost: x\r\n\r\n",
                            "GET /query?a=1+2&b=%C3%A9&a=3 HTTP/1.1\r\nHost: x\r\n\r\n"] {
                    try c.send(req)
                    out.append(try c.readResponse())
                }
                try c.send("HEAD /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
                out.append(try c.readResponse(headRequest: true))
                // The HEAD response must not have carried a body: the next response parses cleanly.
                try c.send("GET /id/7 HTTP/1.1\r\nHost: x\r\n\r\n")
                out.append(try c.readResponse())
                return out
            }
            #expect(rs[0].status == 404)
            #expect(rs[0].bodyText.contains(#""code":"not_found""#))
            #expect(rs[1].status == 405)
            #expect(rs[1].header("Allow") == "GET, HEAD")
            #expect(rs[1].bodyText.contains(#""code":"method_not_allowed""#))
            #expect(rs[2].bodyText == "model=m/x")
            #expect(rs[3].bodyText == "literal")
            #expect(rs[4].status == 418)
            #expect(rs[4].header("Retry-After") == "7")
            #expect(rs[4].bodyText == #"{"error":{"code":"teapot","message":"short and stout"}}"#)
            #expect(rs[5].status == 500)
            #expect(rs[5].bodyText.contains(#""code":"internal""#))
            #expect(rs[6].bodyText == "a=1 2|b=é|a=3")
            #expect(rs[7].status == 200)
            #expect(rs[7].header("Content-Length") == "15")
            #expect(rs[8].bodyText == "id=7")
        }
    }

    @Test func inlineHandlersThatSuspendStillComplete() async throws {
        try await withServer { _, port in
            let rs = try await offThread {
                let c = try TestClient(port: port)
                try c.send("GET /inline-sleep HTTP/1.1\r\nHost: x\r\n\r\nGET /healthz HTTP/1.1\r\nHost: x\r\n\r\nGET /inline-sleep HTTP/1.1\r\nHost: x\r\n\r\n")
                return [try c.readResponse(), try c.readResponse(), try c.readResponse()]
            }
            #expect(rs.map(\.bodyText) == ["inline slept", #"{"status":"ok"}"#, "inline slept"])
        }
    }

    @Test func streamedResponsesAreChunkedAndKeepAlive() async throws {
        try await withServer { _, port in
            let (a, b, head, big) = try await offThread { () -> (RawResponse, RawResponse, RawResponse, RawResponse) in
                let c = try TestClient(port: port, timeout: 10)
                try c.send("GET /stream?pieces=3&size=4 HTTP/1.1\r\nHost: x\r\n\r\n")
                let a = try c.readResponse()
                try c.send("GET /id/1 HTTP/1.1\r\nHost: x\r\n\r\n")  // same connection afterwards
                let b = try c.readResponse()
                try c.send("HEAD /stream HTTP/1.1\r\nHost: x\r\n\r\n")
                let head = try c.readResponse(headRequest: true)
                // 8 MB in 64 KiB pieces: flow control must not lose or reorder bytes.
                try c.send("GET /stream?pieces=128&size=65536 HTTP/1.1\r\nHost: x\r\n\r\n")
                let big = try c.readResponse()
                return (a, b, head, big)
            }
            #expect(a.header("Transfer-Encoding") == "chunked")
            #expect(a.header("Content-Length") == nil)
            #expect(a.bodyText == "AAAABBBBCCCC")
            #expect(b.bodyText == "id=1")
            #expect(head.status == 200)
            #expect(big.body.count == 128 * 65536)
            var expected: [UInt8] = []
            for i in 0..<128 { expected += [UInt8](repeating: UInt8(0x41 + i % 26), count: 65536) }
            #expect(big.body == expected)
        }
    }

    @Test func streamedResponseToHTTP10IsCloseDelimited() async throws {
        try await withServer { _, port in
            let r = try await offThread {
                let c = try TestClient(port: port)
                try c.send("GET /stream?pieces=2&size=3 HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
                return try c.readResponse()
            }
            #expect(r.header("Connection") == "close")
            #expect(r.header("Transfer-Encoding") == nil)
            #expect(r.bodyText == "AAABBB")
        }
    }

    @Test func failingStreamClosesTheConnection() async throws {
        try await withServer { _, port in
            let outcome = try await offThread { () -> String in
                let c = try TestClient(port: port)
                try c.send("GET /stream?pieces=4&size=3&fail=1 HTTP/1.1\r\nHost: x\r\n\r\n")
                do { _ = try c.readResponse(); return "complete response" } catch { return "truncated" }
            }
            #expect(outcome == "truncated")
        }
    }

    @Test func pipelinedRequestsAnsweredInOrder() async throws {
        try await withServer { _, port in
            let rs = try await offThread {
                let c = try TestClient(port: port)
                // The first request is the slowest: order must still hold.
                try c.send("GET /sleep?ms=150 HTTP/1.1\r\nHost: x\r\n\r\n"
                    + "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello"
                    + "GET /id/3 HTTP/1.1\r\nHost: x\r\n\r\n"
                    + "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n"
                    + "GET /id/5 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                var out: [RawResponse] = []
                for _ in 0..<5 { out.append(try c.readResponse()) }
                out.append(RawResponse(status: c.waitForClose() ? 1 : 0, headers: [], body: []))
                return out
            }
            #expect(rs.map(\.bodyText) == ["slept 150", "hello", "id=3", "abc", "id=5", ""])
            #expect(rs[4].header("Connection") == "close")
            #expect(rs[5].status == 1, "server closes after Connection: close")
        }
    }

    @Test func pipelinedUploadsInRandomSegmentsAreEchoedExactly() async throws {
        try await withServer { _, port in
            let mismatches = try await offThread { () -> [Int] in
                var rng = SplitMix(seed: 7)
                var raw: [UInt8] = []
                var bodies: [[UInt8]] = []
                for i in 0..<30 {
                    let n = Int(rng.next() % 120_000)
                    let body = (0..<n).map { UInt8(truncatingIfNeeded: $0 ^ i) }
                    bodies.append(body)
                    raw += Array("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: \(n)\r\n\r\n".utf8) + body
                }
                let payload = raw
                let c = try TestClient(port: port, timeout: 10)
                // Write from a second thread while this one reads, so neither side's buffers deadlock.
                let sender = Thread {
                    var off = 0
                    var r = SplitMix(seed: 9)
                    while off < payload.count {
                        let k = min(payload.count - off, 1 + Int(r.next() % 50_000))
                        try? c.send(Array(payload[off..<(off + k)]))
                        off += k
                    }
                }
                sender.start()
                var bad: [Int] = []
                for i in 0..<30 {
                    let r = try c.readResponse()
                    if r.status != 200 || r.body != bodies[i] { bad.append(i) }
                }
                return bad
            }
            #expect(mismatches.isEmpty, "responses \(mismatches) were mis-framed or out of order")
        }
    }

    @Test func manyConcurrentKeepAliveClients() async throws {
        try await withServer { server, port in
            let n = 200, rounds = 3
            let (bad, open) = try await offThread { () -> ([String], Int) in
                var clients: [TestClient] = []
                for _ in 0..<n { clients.append(try TestClient(port: port, timeout: 10)) }
                var bad: [String] = []
                for round in 0..<rounds {
                    for (i, c) in clients.enumerated() { try c.send("GET /id/\(i)-\(round) HTTP/1.1\r\nHost: x\r\n\r\n") }
                    for (i, c) in clients.enumerated() {
                        let r = try c.readResponse()
                        if r.status != 200 || r.bodyText != "id=\(i)-\(round)" { bad.append("\(i)/\(round): \(r.status) \(r.bodyText)") }
                    }
                }
                return (bad, server.connectionCount)  // before the clients close
            }
            #expect(bad.isEmpty, "\(bad.prefix(5))")
            #expect(open == n)
        }
    }

    @Test func slowHandlerDoesNotDelayOthers() async throws {
        try await withServer { _, port in
            async let slow = offThread { () -> RawResponse in
                let c = try TestClient(port: port)
                try c.send("GET /sleep?ms=1000 HTTP/1.1\r\nHost: x\r\n\r\n")
                return try c.readResponse()
            }
            try await Task.sleep(for: .milliseconds(50))
            let elapsed = try await offThread { () -> Double in
                let t0 = Date()
                for _ in 0..<20 {
                    let c = try TestClient(port: port)
                    try c.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
                    _ = try c.readResponse()
                }
                return Date().timeIntervalSince(t0)
            }
            #expect(elapsed < 0.8, "20 fast requests took \(elapsed) s while a slow one ran")
            #expect(try await slow.bodyText == "slept 1000")
        }
    }

    @Test func slowlorisIsCutOffWhileOthersAreServed() async throws {
        try await withServer({ $0.headerTimeout = .seconds(1) }) { _, port in
            async let loris = offThread { () -> (RawResponse?, Double, Bool) in
                let c = try TestClient(port: port, timeout: 4)
                let t0 = Date()
                let request = Array("GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: \(String(repeating: "z", count: 40))\r\n\r\n".utf8)
                for b in request {
                    do { try c.send([b]) } catch { break }
                    Thread.sleep(forTimeInterval: 0.2)
                    if Date().timeIntervalSince(t0) > 2.2 { break }
                }
                let r = try? c.readResponse()
                return (r, Date().timeIntervalSince(t0), c.waitForClose())
            }
            // Meanwhile a normal client keeps getting answers.
            let served = try await offThread { () -> Int in
                var ok = 0
                let c = try TestClient(port: port)
                for _ in 0..<10 {
                    try c.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
                    if try c.readResponse().status == 200 { ok += 1 }
                    Thread.sleep(forTimeInterval: 0.1)
                }
                return ok
            }
            #expect(served == 10)
            let (r, elapsed, closed) = try await loris
            #expect(r?.status == 408)
            #expect(r?.bodyText.contains(#""code":"request_timeout""#) == true)
            #expect(closed)
            #expect(elapsed < 2.4)
        }
    }

    @Test func gracefulShutdownFinishesInFlightAndRefusesNew() async throws {
        var config = HTTPServer.Configuration()
        config.host = "127.0.0.1"
        config.port = 0
        let server = HTTPServer(configuration: config, router: testRouter(), logger: .init(label: "t"))
        try server.start()
        let port = server.boundPort
        let idle = try await offThread { () -> TestClient in
            let c = try TestClient(port: port)
            try c.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
            _ = try c.readResponse()
            return c
        }
        async let slow = offThread { () -> RawResponse in
            let c = try TestClient(port: port)
            try c.send("GET /sleep?ms=1000 HTTP/1.1\r\nHost: x\r\n\r\n")
            return try c.readResponse()
        }
        try await Task.sleep(for: .milliseconds(200))
        let t0 = Date()
        await server.shutdown(deadline: .seconds(5))
        let took = Date().timeIntervalSince(t0)
        let r = try await slow
        #expect(r.status == 200)
        #expect(r.bodyText == "slept 1000")
        #expect(r.header("Connection") == "close")
        #expect(took >= 0.6 && took < 2, "shutdown took \(took) s")
        #expect(try await offThread { idle.waitForClose() }, "idle keep-alive connection is closed")
        #expect(throws: ClientError.self) { _ = try TestClient(port: port) }
    }

    @Test func shutdownDeadlineCutsLongHandlers() async throws {
        var config = HTTPServer.Configuration()
        config.host = "127.0.0.1"
        config.port = 0
        let server = HTTPServer(configuration: config, router: testRouter(), logger: .init(label: "t"))
        try server.start()
        let port = server.boundPort
        async let slow = offThread { () -> Bool in
            let c = try TestClient(port: port)
            try c.send("GET /sleep?ms=5000 HTTP/1.1\r\nHost: x\r\n\r\n")
            return c.waitForClose()
        }
        try await Task.sleep(for: .milliseconds(100))
        let t0 = Date()
        await server.shutdown(deadline: .milliseconds(300))
        let took = Date().timeIntervalSince(t0)
        #expect(took < 1.5)
        #expect(try await slow)
    }

    @Test func connectionLimitRefusesPolitely() async throws {
        try await withServer({ $0.maxConnections = 2 }) { _, port in
            let r = try await offThread { () -> (RawResponse, Bool, RawResponse) in
                let a = try TestClient(port: port), b = try TestClient(port: port)
                for c in [a, b] {
                    try c.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
                    _ = try c.readResponse()
                }
                let third = try TestClient(port: port)
                let r = try third.readResponse()
                let closed = third.waitForClose()
                // Existing connections still work.
                try a.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
                return (r, closed, try a.readResponse())
            }
            #expect(r.0.status == 503)
            #expect(r.0.header("Retry-After") == "1")
            #expect(r.0.bodyText.contains(#""code":"too_many_connections""#))
            #expect(r.1)
            #expect(r.2.status == 200)
        }
    }

    @Test func oversizeBodyRejectedBeforeReading() async throws {
        try await withServer({ $0.limits.maxBodyBytes = 1000 }) { _, port in
            let r = try await offThread { () -> (RawResponse, Bool) in
                let c = try TestClient(port: port)
                try c.send("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 1001\r\n\r\n")
                return (try c.readResponse(), c.waitForClose())
            }
            #expect(r.0.status == 413)
            #expect(r.0.bodyText.contains(#""code":"payload_too_large""#))
            #expect(r.0.header("Connection") == "close")
            #expect(r.1)
        }
    }

    @Test func malformedRequestGets400AndClose() async throws {
        try await withServer { _, port in
            let r = try await offThread { () -> (RawResponse, Bool) in
                let c = try TestClient(port: port)
                try c.send("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n")
                return (try c.readResponse(), c.waitForClose())
            }
            #expect(r.0.status == 400)
            #expect(r.0.bodyText.contains(#""code":"bad_request""#))
            #expect(r.1)
        }
    }

    @Test func keepAliveIdleTimeoutCloses() async throws {
        try await withServer({ $0.keepAliveTimeout = .milliseconds(300) }) { _, port in
            let (closed, elapsed) = try await offThread { () -> (Bool, Double) in
                let c = try TestClient(port: port)
                try c.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
                _ = try c.readResponse()
                let t0 = Date()
                return (c.waitForClose(), Date().timeIntervalSince(t0))
            }
            #expect(closed)
            #expect(elapsed > 0.2 && elapsed < 1.5)
        }
    }

    @Test func stalledBodyGets408() async throws {
        try await withServer({ $0.bodyIdleTimeout = .milliseconds(300) }) { _, port in
            let (r, elapsed) = try await offThread { () -> (RawResponse, Double) in
                let c = try TestClient(port: port)
                let t0 = Date()
                try c.send("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc")
                return (try c.readResponse(), Date().timeIntervalSince(t0))
            }
            #expect(r.status == 408)
            #expect(elapsed > 0.25 && elapsed < 1.5, "\(elapsed)")
        }
    }

    @Test func writeStallClosesConnection() async throws {
        try await withServer({ $0.writeTimeout = .milliseconds(300) }) { server, port in
            let (before, after) = try await offThread { () -> (Int, Int) in
                let c = try TestClient(port: port)
                var small: Int32 = 4096
                setsockopt(c.fd, SOL_SOCKET, SO_RCVBUF, &small, socklen_t(MemoryLayout<Int32>.size))
                // 64 MB that this client never reads: the server's send buffer fills and stalls.
                try c.send("GET /big?bytes=64000000 HTTP/1.1\r\nHost: x\r\n\r\n")
                Thread.sleep(forTimeInterval: 0.2)
                let before = server.connectionCount
                Thread.sleep(forTimeInterval: 1.2)
                return (before, server.connectionCount)
            }
            #expect(before == 1)
            #expect(after == 0, "a peer that stops reading is dropped after the write timeout")
        }
    }

    @Test func http10KeepAliveAndClose() async throws {
        try await withServer { _, port in
            let (a, b, closed) = try await offThread { () -> (RawResponse, RawResponse, Bool) in
                let c = try TestClient(port: port)
                try c.send("GET /healthz HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
                let a = try c.readResponse()
                try c.send("GET /healthz HTTP/1.0\r\n\r\n")
                let b = try c.readResponse()
                return (a, b, c.waitForClose())
            }
            #expect(a.header("Connection") == "keep-alive")
            #expect(b.header("Connection") == "close")
            #expect(closed)
        }
    }

    @Test func expectContinueOverRawSocket() async throws {
        try await withServer { _, port in
            let (cont, final) = try await offThread { () -> (RawResponse, RawResponse) in
                let c = try TestClient(port: port)
                try c.send("POST /echo HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\n")
                let cont = try c.readResponse()
                try c.send("data")
                return (cont, try c.readResponse())
            }
            #expect(cont.status == 100)
            #expect(final.status == 200)
            #expect(final.bodyText == "data")
        }
    }

    @Test func observerSeesRoutePattern() async throws {
        let seen = Mutex<[String]>([])
        try await withServer(observer: { req, pattern, resp, _ in
            seen.withLock { $0.append("\(req.method) \(pattern ?? "-") \(resp.status)") }
        }) { _, port in
            _ = try await offThread {
                let c = try TestClient(port: port)
                try c.send("GET /id/9 HTTP/1.1\r\nHost: x\r\n\r\nGET /missing HTTP/1.1\r\nHost: x\r\n\r\n")
                _ = try c.readResponse()
                return try c.readResponse()
            }
        }
        #expect(seen.withLock { $0 } == ["GET /id/{n} 200", "GET - 404"])
    }

    @Test func bindErrorNamesAddressAndErrno() async throws {
        try await withServer { _, port in
            var config = HTTPServer.Configuration()
            config.host = "127.0.0.1"
            config.port = port
            let second = HTTPServer(configuration: config, router: Router(), logger: .init(label: "t"))
            do throws(HTTPServerError) {
                try second.start()
                Issue.record("second bind succeeded")
            } catch {
                #expect(error == .socket(operation: "bind", address: "127.0.0.1:\(port)", errno: EADDRINUSE))
                #expect(error.description.contains("Address already in use"))
                #expect(error.description.contains("127.0.0.1:\(port)"))
            }
            config.host = "not-an-ip"
            #expect(throws: HTTPServerError.invalidAddress(host: "not-an-ip")) { try HTTPServer(configuration: config, router: Router(), logger: .init(label: "t")).start() }
        }
    }

    @Test func dualStackListenerServesIPv4AndIPv6() async throws {
        try await withServer({ $0.host = "::" }) { _, port in
            let v4 = try await offThread {
                let c = try TestClient(port: port, host: "127.0.0.1")
                try c.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
                return try c.readResponse().status
            }
            #expect(v4 == 200)
            // IPv6 loopback may be missing in some containers.
            if let v6 = try? await offThread({ () -> Int in
                let c = try TestClient(port: port, host: "::1")
                try c.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
                return try c.readResponse().status
            }) {
                #expect(v6 == 200)
            } else {
                print("note: IPv6 loopback unavailable; dual-stack IPv6 half not checked")
            }
        }
    }
}
