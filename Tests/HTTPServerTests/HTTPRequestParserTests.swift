import Testing
@testable import HTTPServer

@Suite("HTTP/1.1 request parser")
struct HTTPRequestParserTests {
    // MARK: valid requests

    static let valid: [(name: String, raw: String)] = [
        ("simple GET", "GET /healthz HTTP/1.1\r\nHost: a\r\n\r\n"),
        ("query decoding", "GET /v1/models/a%20b/predict?heatmap=png&threshold=0.5&x=a+b&x=c%26d HTTP/1.1\r\nHost: a\r\n\r\n"),
        ("content-length body", "POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 11\r\nContent-Type: text/plain\r\n\r\nhello world"),
        ("chunked with extensions and trailers", "POST /up HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5;name=val\r\nhello\r\n6\r\n world\r\nA\r\n0123456789\r\n0\r\nX-Checksum: abc\r\nX-Other: 1\r\n\r\n"),
        ("chunked upper-case hex, no trailers", "PUT /x HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: Chunked\r\n\r\n1F\r\n0123456789012345678901234567890\r\n0\r\n\r\n"),
        ("HTTP/1.0 without keep-alive", "GET / HTTP/1.0\r\n\r\n"),
        ("HTTP/1.0 with keep-alive", "GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"),
        ("HTTP/1.1 connection close", "GET / HTTP/1.1\r\nHost: a\r\nConnection: keep-alive, close\r\n\r\n"),
        ("leading empty lines skipped", "\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n"),
        ("OWS trimmed, obs-text kept", "GET / HTTP/1.1\r\nHost:a\r\nX-A: \t spaced value \t\r\nX-B: caf\u{e9}\r\n\r\n"),
        ("absolute-form target", "GET http://example.com/p/q?x=1 HTTP/1.1\r\nHost: example.com\r\n\r\n"),
        ("OPTIONS *", "OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n"),
        ("expect 100-continue", "POST /e HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\nabc"),
        ("pipelined three", "GET /1 HTTP/1.1\r\nHost: a\r\n\r\nPOST /2 HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\n\r\nhiGET /3 HTTP/1.1\r\nHost: a\r\n\r\n"),
        ("DELETE without body", "DELETE /m HTTP/1.1\r\nHost: a\r\n\r\n"),
        ("POST with zero length", "POST /p HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n"),
        ("HTTP/1.2 treated as 1.1", "GET / HTTP/1.2\r\nHost: a\r\n\r\n"),
        ("empty query pieces", "GET /?&a=&&b HTTP/1.1\r\nHost: a\r\n\r\n"),
    ]

    @Test("valid requests parse", arguments: valid.indices)
    func validParses(_ i: Int) throws {
        let outcome = parse(Self.valid[i].raw)
        guard case .requests(let rs, _) = outcome, !rs.isEmpty else {
            Issue.record("\(Self.valid[i].name): \(outcome)")
            return
        }
    }

    @Test("every valid request gives the same parse when split at any byte", arguments: valid.indices)
    func splitAtEveryByte(_ i: Int) {
        let raw = bytes(Self.valid[i].raw)
        // 100-continue is reported only when the head arrives before the body, so compare requests.
        func requests(_ o: ParseOutcome) -> [ParsedSummary]? { if case .requests(let r, _) = o { r } else { nil } }
        let whole = requests(parse(chunks: [raw]))
        #expect(whole != nil)
        for cut in 1..<raw.count {
            let split = requests(parse(chunks: [Array(raw[..<cut]), Array(raw[cut...])]))
            if split != whole {
                Issue.record("\(Self.valid[i].name) split at \(cut): \(split) != \(whole)")
                return
            }
        }
        // And byte by byte.
        #expect(requests(parse(chunks: raw.map { [$0] })) == whole)
    }

    @Test func fieldsAreDecoded() throws {
        guard case .requests(let rs, _) = parse(Self.valid[1].raw), let r = rs.first else { Issue.record("no parse"); return }
        #expect(r.method == "GET")
        #expect(r.path == "/v1/models/a b/predict")
        #expect(r.query == ["heatmap=png", "threshold=0.5", "x=a b", "x=c&d"])
        #expect(r.version == "HTTP/1.1")
        #expect(r.keepAlive)
    }

    @Test func queryDictionaryLastValueWins() {
        var p = HTTPRequestParser()
        p.append(bytes("GET /p?x=1&y=2&x=3 HTTP/1.1\r\nHost: a\r\n\r\n"))
        guard case .request(let r, _) = p.next() else { Issue.record("no request"); return }
        #expect(r.query == ["x": "3", "y": "2"])
        #expect(r.queryItems.count == 3)
    }

    @Test func chunkedBodyAndTrailers() {
        guard case .requests(let rs, _) = parse(Self.valid[3].raw), let r = rs.first else { Issue.record("no parse"); return }
        #expect(r.body == bytes("hello world0123456789"))
        #expect(r.trailers == ["X-Checksum: abc", "X-Other: 1"])
    }

    @Test func keepAliveRules() {
        func keep(_ raw: String) -> Bool? {
            if case .requests(let rs, _) = parse(raw) { return rs.first?.keepAlive }
            return nil
        }
        #expect(keep(Self.valid[0].raw) == true)
        #expect(keep(Self.valid[5].raw) == false)
        #expect(keep(Self.valid[6].raw) == true)
        #expect(keep(Self.valid[7].raw) == false)
    }

    @Test func valueTrimmingAndObsText() {
        guard case .requests(let rs, _) = parse(Self.valid[9].raw), let r = rs.first else { Issue.record("no parse"); return }
        #expect(r.headers == ["Host: a", "X-A: spaced value", "X-B: caf\u{e9}"])
    }

    @Test func absoluteFormDropsAuthority() {
        guard case .requests(let rs, _) = parse(Self.valid[10].raw), let r = rs.first else { Issue.record("no parse"); return }
        #expect(r.path == "/p/q")
        #expect(r.query == ["x=1"])
    }

    @Test func pipelinedInOrder() {
        guard case .requests(let rs, _) = parse(Self.valid[13].raw) else { Issue.record("no parse"); return }
        #expect(rs.map(\.path) == ["/1", "/2", "/3"])
        #expect(rs[1].body == bytes("hi"))
    }

    @Test func continueReportedOnlyBeforeBody() {
        let head = bytes("POST /e HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\n")
        #expect(parse(chunks: [head, bytes("abc")]) == parse(chunks: [head, bytes("abc")]))
        guard case .requests(let rs, let c) = parse(chunks: [head, bytes("abc")]) else { Issue.record("no parse"); return }
        #expect(c == 1)
        #expect(rs.count == 1)
        guard case .requests(_, let c2) = parse(chunks: [head + bytes("abc")]) else { Issue.record("no parse"); return }
        #expect(c2 == 0)  // body already here: no 100 needed
        // Chunked with Expect.
        let chunkedHead = bytes("POST /e HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nTransfer-Encoding: chunked\r\n\r\n")
        guard case .requests(let rs3, let c3) = parse(chunks: [chunkedHead, bytes("1\r\nx\r\n0\r\n\r\n")]) else { Issue.record("no parse"); return }
        #expect(c3 == 1)
        #expect(rs3.first?.body == bytes("x"))
    }

    @Test func phaseTracksProgress() {
        var p = HTTPRequestParser()
        #expect(p.phase == .idle)
        p.append(bytes("POST /x HTTP/1.1\r\nHo"))
        _ = p.next()
        #expect(p.phase == .head)
        p.append(bytes("st: a\r\nContent-Length: 4\r\n\r\nab"))
        #expect({ if case .needMoreData = p.next() { true } else { false } }())
        #expect(p.phase == .body)
        p.append(bytes("cd"))
        guard case .request(let r, _) = p.next() else { Issue.record("no request"); return }
        #expect(r.body == bytes("abcd"))
        #expect(p.phase == .idle)
    }

    @Test func bodyLimitExactlyAtLimitPasses() {
        var limits = HTTPParserLimits()
        limits.maxBodyBytes = 10
        #expect(parse("POST /x HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\n0123456789", limits: limits) != .error(413, requestsBefore: 0))
        #expect(parse("POST /x HTTP/1.1\r\nHost: a\r\nContent-Length: 11\r\n\r\n", limits: limits) == .error(413, requestsBefore: 0))
        #expect(parse("POST /x HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n01234\r\n5\r\n56789\r\n0\r\n\r\n", limits: limits) != .error(413, requestsBefore: 0))
        #expect(parse("POST /x HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n01234\r\n6\r\n", limits: limits) == .error(413, requestsBefore: 0))
    }

    @Test func headerLimitsAreExact() {
        var limits = HTTPParserLimits()
        limits.maxHeaderCount = 3
        #expect(parse("GET / HTTP/1.1\r\nHost: a\r\nA: 1\r\nB: 2\r\n\r\n", limits: limits) != .error(431, requestsBefore: 0))
        #expect(parse("GET / HTTP/1.1\r\nHost: a\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n", limits: limits) == .error(431, requestsBefore: 0))
        limits = HTTPParserLimits()
        limits.maxURILength = 20
        #expect(parse("GET /\(String(repeating: "a", count: 19)) HTTP/1.1\r\nHost: a\r\n\r\n", limits: limits) != .error(414, requestsBefore: 0))
        #expect(parse("GET /\(String(repeating: "a", count: 20)) HTTP/1.1\r\nHost: a\r\n\r\n", limits: limits) == .error(414, requestsBefore: 0))
    }

    @Test func largePipelinedBodiesInRandomChunks() {
        // Bodies large enough to trigger buffer compaction mid-stream, in random chunk sizes.
        var rng = SplitMix(seed: 42)
        var raw: [UInt8] = []
        var expected: [[UInt8]] = []
        for i in 0..<12 {
            let n = Int(rng.next() % 150_000)
            let body = (0..<n).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ i) }
            expected.append(body)
            if i % 2 == 0 {
                raw += bytes("POST /b\(i) HTTP/1.1\r\nHost: a\r\nContent-Length: \(n)\r\n\r\n") + body
            } else {
                raw += bytes("POST /b\(i) HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n")
                var off = 0
                while off < n {
                    let c = min(n - off, 1 + Int(rng.next() % 40_000))
                    raw += bytes(String(c, radix: 16) + "\r\n") + body[off..<(off + c)] + bytes("\r\n")
                    off += c
                }
                raw += bytes("0\r\n\r\n")
            }
        }
        var chunks: [[UInt8]] = []
        var off = 0
        while off < raw.count {
            let c = min(raw.count - off, 1 + Int(rng.next() % 70_000))
            chunks.append(Array(raw[off..<(off + c)]))
            off += c
        }
        guard case .requests(let rs, _) = parse(chunks: chunks) else { Issue.record("parse failed"); return }
        #expect(rs.map(\.path) == (0..<12).map { "/b\($0)" })
        #expect(rs.map(\.body) == expected)
    }

    @Test func errorAfterValidRequestKeepsEarlierOnes() {
        #expect(parse("GET /ok HTTP/1.1\r\nHost: a\r\n\r\nGET /bad HTTP/1.1\r\nHost : a\r\n\r\n") == .error(400, requestsBefore: 1))
    }

    // MARK: malformed and hostile requests

    static let big = String(repeating: "a", count: 9000)
    static let manyHeaders = (0..<101).map { "X-\($0): v\r\n" }.joined()
    static let bigHeader = "X-Big: " + String(repeating: "b", count: 17000) + "\r\n"

    static let hostile: [(name: String, raw: String, status: Int)] = [
        // Smuggling vectors
        ("TE and CL together", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400),
        ("CL and TE together (reversed)", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n0\r\n\r\n", 400),
        ("duplicate identical CL", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\nhello", 400),
        ("differing CL", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!", 400),
        ("CL list value", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5, 5\r\n\r\nhello", 400),
        ("CL with plus sign", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: +5\r\n\r\nhello", 400),
        ("CL negative", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: -1\r\n\r\n", 400),
        ("CL hex", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 0x5\r\n\r\nhello", 400),
        ("CL empty", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: \r\n\r\n", 400),
        ("CL overflow", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 99999999999999999999999\r\n\r\n", 400),
        ("TE not chunked last", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, gzip\r\n\r\n", 400),
        ("TE chunked twice", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n", 400),
        ("TE unknown coding", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", 501),
        ("TE identity only", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: identity\r\n\r\n", 400),
        ("TE with garbage", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: \"chunked\"\r\n\r\n", 400),
        ("TE empty element", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: ,chunked\r\n\r\n", 400),
        ("TE in HTTP/1.0", "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400),
        ("whitespace before colon", "GET / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding : chunked\r\n\r\n", 400),
        ("tab before colon", "GET / HTTP/1.1\r\nHost\t: a\r\n\r\n", 400),
        ("obs-fold", "GET / HTTP/1.1\r\nHost: a\r\nX-A: b\r\n c\r\n\r\n", 400),
        ("obs-fold with tab", "GET / HTTP/1.1\r\nHost: a\r\nX-A: b\r\n\tc\r\n\r\n", 400),
        ("first header line folded", "GET / HTTP/1.1\r\n Host: a\r\n\r\n", 400),
        ("NUL in value", "GET / HTTP/1.1\r\nHost: a\r\nX-A: b\u{0}c\r\n\r\n", 400),
        ("bare CR in value", "GET / HTTP/1.1\r\nHost: a\r\nX-A: b\rc\r\n\r\n", 400),
        ("DEL in value", "GET / HTTP/1.1\r\nHost: a\r\nX-A: b\u{7F}\r\n\r\n", 400),
        ("non-token header name", "GET / HTTP/1.1\r\nHost: a\r\nX(A): b\r\n\r\n", 400),
        ("header name with slash", "GET / HTTP/1.1\r\nHost: a\r\nX/A: b\r\n\r\n", 400),
        ("empty header name", "GET / HTTP/1.1\r\nHost: a\r\n: b\r\n\r\n", 400),
        ("header without colon", "GET / HTTP/1.1\r\nHost: a\r\nNoColon\r\n\r\n", 400),
        ("bare LF line endings", "GET / HTTP/1.1\nHost: a\n\n", 400),
        ("bare LF in one header", "GET / HTTP/1.1\r\nHost: a\nX-A: b\r\n\r\n", 400),
        ("bare LF as leading line", "\nGET / HTTP/1.1\r\nHost: a\r\n\r\n", 400),
        // Bad chunking
        ("chunk size not hex", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n", 400),
        ("chunk size empty", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n\r\nhello\r\n0\r\n\r\n", 400),
        ("chunk size 0x prefix", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n0x5\r\nhello\r\n0\r\n\r\n", 400),
        ("chunk size negative", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n-5\r\nhello\r\n0\r\n\r\n", 400),
        ("chunk size overflow", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\nFFFFFFFFFFFFFFFFFF\r\nhello\r\n0\r\n\r\n", 400),
        ("chunk size with space then junk", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5 x\r\nhello\r\n0\r\n\r\n", 400),
        ("chunk size bare LF", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\nhello\r\n0\r\n\r\n", 400),
        ("chunk data longer than size", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nhello\r\n0\r\n\r\n", 400),
        ("chunk data without CRLF", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello0\r\n\r\n", 400),
        ("chunk extension with control char", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5;a=\u{1}\r\nhello\r\n0\r\n\r\n", 400),
        ("trailer with obs-fold", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nX-T: a\r\n b\r\n\r\n", 400),
        ("trailer with space before colon", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nX-T : a\r\n\r\n", 400),
        // Request line
        ("lowercase-free garbage line", "HELLO\r\n\r\n", 400),
        ("two spaces in request line", "GET  / HTTP/1.1\r\nHost: a\r\n\r\n", 400),
        ("missing version", "GET /\r\nHost: a\r\n\r\n", 400),
        ("bad version", "GET / HTTX/1.1\r\nHost: a\r\n\r\n", 400),
        ("version lowercase", "GET / http/1.1\r\nHost: a\r\n\r\n", 400),
        ("HTTP/2.0 on HTTP/1 connection", "GET / HTTP/2.0\r\nHost: a\r\n\r\n", 505),
        ("HTTP/0.9 style", "GET /\r\n\r\n", 400),
        ("method not a token", "GE(T / HTTP/1.1\r\nHost: a\r\n\r\n", 400),
        ("control char in target", "GET /a\u{1}b HTTP/1.1\r\nHost: a\r\n\r\n", 400),
        ("non-ASCII in target", "GET /caf\u{e9} HTTP/1.1\r\nHost: a\r\n\r\n", 400),
        ("target not origin-form", "GET foo HTTP/1.1\r\nHost: a\r\n\r\n", 400),
        ("star for GET", "GET * HTTP/1.1\r\nHost: a\r\n\r\n", 400),
        ("authority-form", "CONNECT example.com:443 HTTP/1.1\r\nHost: example.com\r\n\r\n", 400),
        ("bad percent escape in path", "GET /a%zzb HTTP/1.1\r\nHost: a\r\n\r\n", 400),
        ("truncated percent escape", "GET /a% HTTP/1.1\r\nHost: a\r\n\r\n", 400),
        ("encoded NUL in path", "GET /a%00b HTTP/1.1\r\nHost: a\r\n\r\n", 400),
        ("invalid UTF-8 in path", "GET /a%ff HTTP/1.1\r\nHost: a\r\n\r\n", 400),
        ("bad percent escape in query", "GET /a?x=%g1 HTTP/1.1\r\nHost: a\r\n\r\n", 400),
        // Host
        ("HTTP/1.1 without Host", "GET / HTTP/1.1\r\n\r\n", 400),
        ("two Host fields", "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400),
        // Semantics and limits
        ("POST without length", "POST /p HTTP/1.1\r\nHost: a\r\n\r\n", 411),
        ("PUT without length", "PUT /p HTTP/1.1\r\nHost: a\r\n\r\n", 411),
        ("unknown expectation", "POST /p HTTP/1.1\r\nHost: a\r\nExpect: magic\r\nContent-Length: 1\r\n\r\nx", 417),
        ("CL over the body limit", "POST /p HTTP/1.1\r\nHost: a\r\nContent-Length: 67108865\r\n\r\n", 413),
        ("URI too long", "GET /\(big) HTTP/1.1\r\nHost: a\r\n\r\n", 414),
        ("URI too long without end", "GET /\(big)", 414),
        ("too many headers", "GET / HTTP/1.1\r\nHost: a\r\n\(manyHeaders)\r\n", 431),
        ("header section too large", "GET / HTTP/1.1\r\nHost: a\r\n\(bigHeader)\r\n", 431),
        ("header section too large without end", "GET / HTTP/1.1\r\nHost: a\r\n\(bigHeader)", 431),
    ]

    @Test("malformed or hostile request is rejected with the exact status", arguments: hostile.indices)
    func hostileRejected(_ i: Int) {
        let (name, raw, status) = Self.hostile[i]
        let whole = parse(raw)
        #expect(whole == .error(status, requestsBefore: 0), "\(name)")
        // Same verdict when the bytes dribble in one at a time.
        let dribble = parse(chunks: bytes(raw).map { [$0] })
        #expect(dribble == .error(status, requestsBefore: 0), "\(name) (byte by byte)")
    }

    @Test func hostileTableIsLargeEnough() { #expect(Self.hostile.count >= 40) }

    @Test func failedParserStaysFailed() {
        var p = HTTPRequestParser()
        p.append(bytes("GET / HTTP/1.1\r\nHost : a\r\n\r\n"))
        guard case .error(let e) = p.next() else { Issue.record("expected error"); return }
        #expect(e.status == 400)
        p.append(bytes("GET / HTTP/1.1\r\nHost: a\r\n\r\n"))
        guard case .error = p.next() else { Issue.record("parser recovered after an error"); return }
        #expect(p.phase == .failed)
    }
}

/// Deterministic PRNG for reproducible tests.
struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
