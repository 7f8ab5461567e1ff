import Foundation
import HTTPServer
import Logging
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Runs blocking client code on its own thread, never on Swift's cooperative pool (whose few
/// threads the server's handlers need).
func offThread<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { cont in
        let t = Thread {
            do { cont.resume(returning: try body()) } catch { cont.resume(throwing: error) }
        }
        t.start()
    }
}

struct ClientError: Error, CustomStringConvertible {
    var description: String
}

/// A parsed response as a client saw it.
struct RawResponse: Sendable {
    var status: Int
    var headers: [(String, String)]
    var body: [UInt8]
    var bodyText: String { String(decoding: body, as: UTF8.self) }
    func header(_ name: String) -> String? { headers.first { $0.0.lowercased() == name.lowercased() }?.1 }
}

/// A blocking loopback client with a receive timeout.
final class TestClient: @unchecked Sendable {
    let fd: Int32
    private var buffer: [UInt8] = []

    init(port: Int, host: String = "127.0.0.1", timeout: Double = 5) throws {
        let v6 = host.contains(":")
        fd = socket(v6 ? AF_INET6 : AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw ClientError(description: "socket: \(errno)") }
        var tv = timeval(tv_sec: Int(timeout), tv_usec: Int((timeout - Double(Int(timeout))) * 1e6))
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        var one: Int32 = 1
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        let rc: Int32
        if v6 {
            var a = sockaddr_in6()
            a.sin6_family = sa_family_t(AF_INET6)
            a.sin6_port = in_port_t(UInt16(port).bigEndian)
            inet_pton(AF_INET6, host, &a.sin6_addr)
            rc = withUnsafePointer(to: &a) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in6>.size)) } }
        } else {
            var a = sockaddr_in()
            a.sin_family = sa_family_t(AF_INET)
            a.sin_port = in_port_t(UInt16(port).bigEndian)
            inet_pton(AF_INET, host, &a.sin_addr)
            rc = withUnsafePointer(to: &a) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        }
        if rc != 0 {
            let e = errno
            Glibc.close(fd)
            throw ClientError(description: "connect failed: errno \(e)")
        }
    }

    deinit { Glibc.close(fd) }

    func send(_ s: String) throws { try send(Array(s.utf8)) }

    func send(_ bytes: [UInt8]) throws {
        var off = 0
        while off < bytes.count {
            let n = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress! + off, bytes.count - off, Int32(MSG_NOSIGNAL)) }
            if n <= 0 { throw ClientError(description: "send failed: errno \(errno)") }
            off += n
        }
    }

    /// Reads more bytes; false on EOF or error/timeout.
    private func fill() -> Bool {
        var tmp = [UInt8](repeating: 0, count: 65536)
        let n = tmp.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        if n <= 0 { return false }
        buffer.append(contentsOf: tmp[0..<n])
        return true
    }

    /// Reads one response (skipping nothing: a 100 Continue is returned as its own response).
    func readResponse(headRequest: Bool = false) throws -> RawResponse {
        var headEnd: Int? = nil
        while headEnd == nil {
            if let r = findHeadEnd() { headEnd = r; break }
            guard fill() else { throw ClientError(description: "connection closed or timed out before a response head (\(buffer.count) bytes buffered: \(String(decoding: buffer, as: UTF8.self)))") }
        }
        let head = String(decoding: buffer[0..<headEnd!], as: UTF8.self)
        var lines = head.components(separatedBy: "\r\n").filter { !$0.isEmpty }
        let statusLine = lines.removeFirst()
        let parts = statusLine.split(separator: " ")
        guard parts.count >= 2, parts[0] == "HTTP/1.1", let status = Int(parts[1]) else { throw ClientError(description: "bad status line: \(statusLine)") }
        let headers = lines.map { l -> (String, String) in
            let i = l.firstIndex(of: ":")!
            return (String(l[..<i]), l[l.index(after: i)...].trimmingCharacters(in: .whitespaces))
        }
        buffer.removeFirst(headEnd! + 4)
        var r = RawResponse(status: status, headers: headers, body: [])
        if status == 100 || headRequest { return r }
        if r.header("Transfer-Encoding")?.lowercased() == "chunked" {
            r.body = try readChunkedBody()
            return r
        }
        if r.header("Connection") == "close" && r.header("Content-Length") == nil {
            while fill() {}  // close-delimited body
            r.body = buffer
            buffer = []
            return r
        }
        guard let cl = r.header("Content-Length").flatMap(Int.init) else { throw ClientError(description: "no Content-Length in \(head)") }
        while buffer.count < cl {
            guard fill() else { throw ClientError(description: "closed in body") }
        }
        r.body = Array(buffer[0..<cl])
        buffer.removeFirst(cl)
        return r
    }

    private func readLine() throws -> String {
        while true {
            if let i = buffer.indices.dropLast().first(where: { buffer[$0] == 13 && buffer[$0 + 1] == 10 }) {
                let line = String(decoding: buffer[0..<i], as: UTF8.self)
                buffer.removeFirst(i + 2)
                return line
            }
            guard fill() else { throw ClientError(description: "closed in chunk framing") }
        }
    }

    private func readChunkedBody() throws -> [UInt8] {
        var body: [UInt8] = []
        while true {
            let line = try readLine()
            guard let n = Int(line.split(separator: ";").first.map(String.init) ?? "", radix: 16) else {
                throw ClientError(description: "bad chunk size line '\(line)'")
            }
            if n == 0 {
                while try !readLine().isEmpty {}  // trailers
                return body
            }
            while buffer.count < n + 2 { guard fill() else { throw ClientError(description: "closed in chunk") } }
            body += buffer[0..<n]
            guard buffer[n] == 13, buffer[n + 1] == 10 else { throw ClientError(description: "chunk without CRLF") }
            buffer.removeFirst(n + 2)
        }
    }

    /// True when the server closed the connection (EOF) within the receive timeout.
    func waitForClose() -> Bool {
        var tmp = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = tmp.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n == 0 { return true }
            if n < 0 { return errno == ECONNRESET }
        }
    }

    private func findHeadEnd() -> Int? {
        guard buffer.count >= 4 else { return nil }
        for i in 0...(buffer.count - 4) where buffer[i] == 13 && buffer[i + 1] == 10 && buffer[i + 2] == 13 && buffer[i + 3] == 10 { return i }
        return nil
    }
}

/// Starts a server on an ephemeral loopback port, runs `body`, then shuts it down.
func withServer(_ configure: (inout HTTPServer.Configuration) -> Void = { _ in }, router: Router = testRouter(),
                observer: HTTPServer.Observer? = nil,
                _ body: (HTTPServer, Int) async throws -> Void) async throws {
    var config = HTTPServer.Configuration()
    config.host = "127.0.0.1"
    config.port = 0
    configure(&config)
    var logger = Logger(label: "test.http")
    logger.logLevel = .warning
    let server = HTTPServer(configuration: config, router: router, logger: logger)
    server.observer = observer
    try server.start()
    do {
        try await body(server, server.boundPort)
    } catch {
        await server.shutdown(deadline: .seconds(1))
        throw error
    }
    await server.shutdown(deadline: .seconds(1))
}

struct TeapotError: HTTPResponseError {
    var status: Int { 418 }
    var code: String { "teapot" }
    var message: String { "short and stout" }
    var extraHeaders: [(String, String)] { [("Retry-After", "7")] }
}

struct PlainError: Error {}

func testRouter() -> Router {
    let r = Router()
    r.add("GET", "/healthz", execution: .inline) { _ in .json(200, #"{"status":"ok"}"#) }
    r.add("GET", "/inline-sleep", execution: .inline) { _ in
        try await Task.sleep(for: .milliseconds(20))
        return .text(200, "inline slept")
    }
    r.post("/echo") { req in HTTPResponse(status: 200, headers: HTTPHeaders([("Content-Type", "application/octet-stream")]), body: req.body) }
    r.put("/echo") { req in HTTPResponse(status: 200, body: req.body) }
    r.get("/sleep") { req in
        let ms = Int(req.query["ms"] ?? "1000") ?? 1000
        try await Task.sleep(for: .milliseconds(ms))
        return .text(200, "slept \(ms)")
    }
    r.get("/big") { req in
        let n = Int(req.query["bytes"] ?? "1000") ?? 1000
        return HTTPResponse(status: 200, body: [UInt8](repeating: 0x61, count: n))
    }
    r.get("/stream") { req in
        let pieces = Int(req.query["pieces"] ?? "3") ?? 3
        let size = Int(req.query["size"] ?? "5") ?? 5
        let fail = req.query["fail"] != nil
        return .stream(200, headers: HTTPHeaders([("Content-Type", "application/octet-stream")])) { w in
            for i in 0..<pieces {
                if fail && i == pieces / 2 { throw PlainError() }
                try await w.write([UInt8](repeating: UInt8(0x41 + i % 26), count: size))
            }
        }
    }
    r.get("/id/{n}") { req in .text(200, "id=\(req.pathParameters["n"] ?? "?")") }
    r.get("/v1/models/{model}") { req in .text(200, "model=\(req.pathParameters["model"] ?? "?")") }
    r.get("/v1/models/special") { _ in .text(200, "literal") }
    r.get("/teapot") { _ in throw TeapotError() }
    r.get("/boom") { _ in throw PlainError() }
    r.get("/reqid") { req in .text(200, req.requestID) }
    r.get("/query") { req in .text(200, req.queryItems.map { "\($0.name)=\($0.value)" }.joined(separator: "|")) }
    return r
}

/// Runs curl; nil when curl is not installed.
func runCurl(_ args: [String]) throws -> (status: Int32, stdout: String, stderr: String)? {
    guard let curl = ["/usr/bin/curl", "/usr/local/bin/curl", "/bin/curl"].first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
        return nil
    }
    let p = Process()
    p.executableURL = URL(fileURLWithPath: curl)
    p.arguments = ["-sS", "--max-time", "10"] + args
    let out = Pipe(), err = Pipe()
    p.standardOutput = out
    p.standardError = err
    try p.run()
    let o = out.fileHandleForReading.readDataToEndOfFile()
    let e = err.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    return (p.terminationStatus, String(decoding: o, as: UTF8.self), String(decoding: e, as: UTF8.self))
}
