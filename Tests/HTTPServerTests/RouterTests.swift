import Testing
@testable import HTTPServer

@Suite("Router")
struct RouterTests {
    func router() -> Router {
        let r = Router()
        r.get("/v1/models") { _ in .text(200, "list") }
        r.get("/v1/models/{model}") { _ in .text(200, "one") }
        r.get("/v1/models/default") { _ in .text(200, "literal") }
        r.post("/v1/models/{model}/predict") { _ in .text(200, "predict") }
        r.add("DELETE", "/v1/models/{model}") { _ in .text(200, "delete") }
        return r
    }

    func resolve(_ r: Router, _ method: String, _ target: String) -> String {
        var req = HTTPRequest(method: method, path: "", target: target)
        var p = HTTPRequestParser()
        p.append(Array("\(method) \(target) HTTP/1.1\r\nHost: a\r\n\r\n".utf8))
        if case .request(let parsed, _) = p.next() { req = parsed }
        switch r.match(req) {
        case .found(_, let pattern, let params, _):
            return pattern + (params.isEmpty ? "" : " " + params.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ","))
        case .notFound: return "404"
        case .methodNotAllowed(let allow): return "405 " + allow.joined(separator: ",")
        }
    }

    @Test func literalsParametersAndSpecificity() {
        let r = router()
        #expect(resolve(r, "GET", "/v1/models") == "/v1/models")
        #expect(resolve(r, "GET", "/v1/models/hkt") == "/v1/models/{model} model=hkt")
        #expect(resolve(r, "GET", "/v1/models/default") == "/v1/models/default")
        #expect(resolve(r, "DELETE", "/v1/models/default") == "/v1/models/{model} model=default")
        #expect(resolve(r, "POST", "/v1/models/a%20b/predict") == "/v1/models/{model}/predict model=a b")
        #expect(resolve(r, "POST", "/v1/models/a%2Fb/predict") == "/v1/models/{model}/predict model=a/b")
    }

    @Test func headFallsBackToGet() {
        #expect(resolve(router(), "HEAD", "/v1/models/x") == "/v1/models/{model} model=x")
        #expect(resolve(router(), "HEAD", "/v1/models") == "/v1/models")
    }

    @Test func notFoundAndMethodNotAllowed() {
        let r = router()
        #expect(resolve(r, "GET", "/v2") == "404")
        #expect(resolve(r, "GET", "/v1/models/x/predict") == "405 POST")
        #expect(resolve(r, "PUT", "/v1/models/x") == "405 DELETE,GET,HEAD")
        #expect(resolve(r, "POST", "/v1/models") == "405 GET,HEAD")
        #expect(resolve(r, "GET", "/v1/models//predict") == "404")  // empty parameter segment
        #expect(resolve(r, "GET", "/v1/models/") == "404")
    }

    @Test func laterRegistrationReplaces() async throws {
        let r = Router()
        r.get("/a") { _ in .text(200, "first") }
        r.get("/a") { _ in .text(200, "second") }
        guard case .found(let handler, _, _, _) = r.match(HTTPRequest(method: "GET", path: "/a")) else {
            Issue.record("no match")
            return
        }
        #expect(String(decoding: try await handler(HTTPRequest()).body, as: UTF8.self) == "second")
    }

    @Test func errorShapeIsEscapedJSON() {
        let e = HTTPResponse.error(400, code: "bad_request", message: "quote \" backslash \\ newline \n ctrl \u{1}")
        #expect(String(decoding: e.body, as: UTF8.self) == #"{"error":{"code":"bad_request","message":"quote \" backslash \\ newline \n ctrl \u0001"}}"#)
        #expect(e.headers["content-type"] == "application/json")
    }

    @Test func headersAreCaseInsensitiveAndOrdered() {
        var h = HTTPHeaders([("Set-Cookie", "a"), ("X-A", "1")])
        h.add(name: "set-cookie", value: "b")
        #expect(h["SET-COOKIE"] == "a")
        #expect(h.values("Set-Cookie") == ["a", "b"])
        h["set-cookie"] = "c"
        #expect(h.values("Set-Cookie") == ["c"])
        #expect(h.map(\.name) == ["X-A", "set-cookie"])
        h["x-a"] = nil
        #expect(!h.contains("X-A"))
    }

    @Test func requestIDSanity() {
        #expect(RequestID.isSane("abc-123_X.y"))
        #expect(!RequestID.isSane(""))
        #expect(!RequestID.isSane("a b"))
        #expect(!RequestID.isSane(String(repeating: "a", count: 129)))
        #expect(RequestID.isSane(String(repeating: "a", count: 128)))
        #expect(RequestID.generate() != RequestID.generate())
    }
}
