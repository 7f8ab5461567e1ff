import Foundation
import Testing
@testable import HTTPServer

/// Real-client checks with curl (skipped, with a message, when curl is missing).
@Suite("curl against the server", .serialized)
struct CurlTests {
    static let hasCurl = ["/usr/bin/curl", "/usr/local/bin/curl", "/bin/curl"].contains { FileManager.default.isExecutableFile(atPath: $0) }

    func curl(_ args: [String]) async throws -> (status: Int32, stdout: String, stderr: String)? {
        guard let r = try await offThread({ try runCurl(args) }) else {
            print("SKIPPED: curl not installed; curl-based checks not run")
            return nil
        }
        return r
    }

    @Test func keepAliveConnectionIsReused() async throws {
        try await withServer { _, port in
            let url = "http://127.0.0.1:\(port)/healthz"
            guard let r = try await curl(["-w", "|%{http_code}:%{num_connects}\n", url, url, url]) else { return }
            #expect(r.status == 0, "\(r.stderr)")
            let marks = r.stdout.split(separator: "\n").map { $0.split(separator: "|").last.map(String.init) ?? "" }
            #expect(marks == ["200:1", "200:0", "200:0"], "\(r.stdout)")
        }
    }

    @Test func chunkedUpload() async throws {
        try await withServer { _, port in
            let payload = String(repeating: "0123456789abcdef", count: 5000)  // 80 kB
            let file = FileManager.default.temporaryDirectory.appendingPathComponent("hkt-chunked-\(port).bin")
            try payload.write(to: file, atomically: true, encoding: .utf8)
            defer { try? FileManager.default.removeItem(at: file) }
            guard let r = try await curl(["-H", "Transfer-Encoding: chunked", "-H", "Expect:", "--data-binary", "@\(file.path)",
                                           "http://127.0.0.1:\(port)/echo"]) else { return }
            #expect(r.status == 0, "\(r.stderr)")
            #expect(r.stdout == payload)
        }
    }

    @Test func expectContinue() async throws {
        try await withServer { _, port in
            guard let r = try await curl(["-v", "-H", "Expect: 100-continue", "--data-binary", "hello-continue",
                                           "http://127.0.0.1:\(port)/echo"]) else { return }
            #expect(r.status == 0)
            #expect(r.stderr.contains("HTTP/1.1 100 Continue"), "\(r.stderr)")
            #expect(r.stdout == "hello-continue")
        }
    }

    @Test func expectContinueRefusedWhenTooLarge() async throws {
        try await withServer({ $0.limits.maxBodyBytes = 100 }) { _, port in
            let body = String(repeating: "x", count: 5000)
            guard let r = try await curl(["-v", "-H", "Expect: 100-continue", "--data-binary", body, "-w", "\n%{http_code}",
                                           "http://127.0.0.1:\(port)/echo"]) else { return }
            #expect(!r.stderr.contains("100 Continue"))
            #expect(r.stdout.hasSuffix("\n413"), "\(r.stdout)")
            #expect(r.stdout.contains(#""code":"payload_too_large""#))
        }
    }

    @Test func http10() async throws {
        try await withServer { _, port in
            guard let r = try await curl(["--http1.0", "-i", "http://127.0.0.1:\(port)/healthz"]) else { return }
            #expect(r.status == 0)
            #expect(r.stdout.hasPrefix("HTTP/1.1 200 OK\r\n"))
            #expect(r.stdout.contains("Connection: close\r\n"))
            #expect(r.stdout.hasSuffix(#"{"status":"ok"}"#))
        }
    }

    @Test func headRequest() async throws {
        try await withServer { _, port in
            guard let r = try await curl(["-I", "http://127.0.0.1:\(port)/healthz"]) else { return }
            #expect(r.status == 0, "\(r.stderr)")
            #expect(r.stdout.contains("Content-Length: 15\r\n"))
        }
    }

    @Test func percentDecodedPathParameter() async throws {
        try await withServer { _, port in
            guard let r = try await curl(["http://127.0.0.1:\(port)/v1/models/hkt%2B%20plus"]) else { return }
            #expect(r.stdout == "model=hkt+ plus")
        }
    }
}
