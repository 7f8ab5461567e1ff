/// An incremental HTTP/1.x request parser (RFC 9112), strict against request smuggling.
///
/// Feed bytes with ``append(_:)`` as they arrive and call ``next()`` until it answers
/// ``Event/needMoreData``. Requests come out whole (body de-chunked) and in order, so
/// pipelined requests are answered in order by handling one event at a time.
///
/// Policy (see docs/HTTP.md):
/// - **Line endings must be CRLF.** A bare LF or a bare CR anywhere in the request line, a header
///   or trailer line or chunk framing is answered 400 (RFC 9112 §2.2 allows, but does not require,
///   accepting bare LF; rejecting it removes a whole class of parser-disagreement smuggling).
///   Empty CRLF lines before a request line are skipped (RFC 9112 §2.2).
/// - Rejected with 400: `Transfer-Encoding` together with `Content-Length`; more than one
///   `Content-Length` field or a list value (even if the values agree); a Content-Length that is
///   not plain digits; `Transfer-Encoding` in an HTTP/1.0 request; `chunked` not last or repeated;
///   invalid chunk sizes or extensions; missing CRLF after chunk data; whitespace between a field
///   name and the colon; obs-fold (a line starting with SP/HTAB); control characters in field
///   values; field names that are not tokens; a missing or repeated `Host` in HTTP/1.1; malformed
///   request lines; invalid percent-encoding in path or query.
/// - 501 for a transfer coding other than `chunked`; 505 for HTTP major versions other than 1;
///   417 for an `Expect` other than `100-continue`.
/// - 411 when a POST or PUT has neither Content-Length nor Transfer-Encoding (the request would
///   otherwise silently have an empty body).
/// - 414 / 431 / 413 per ``HTTPParserLimits``; 413 is decided from Content-Length before the body
///   is read, and while de-chunking.
public struct HTTPRequestParser: Sendable {
    /// What ``next()`` found.
    public enum Event: Sendable {
        /// No complete request is buffered yet.
        case needMoreData
        /// The head of a request with `Expect: 100-continue` was read and its body has not begun:
        /// the caller should send `HTTP/1.1 100 Continue` now (at most once per request).
        case continueNeeded
        /// A complete request; `keepAlive` says whether the connection may carry another one.
        case request(HTTPRequest, keepAlive: Bool)
        /// The request is malformed or over a limit; answer `error.status` and close.
        case error(HTTPParseError)
    }

    /// Where the parser is within the current message (used for timeouts).
    public enum Phase: Sendable, Equatable {
        /// Nothing of the next request has arrived.
        case idle
        /// Reading the request line and headers.
        case head
        /// Reading the body (or chunk framing / trailers).
        case body
        /// A parse error occurred; the parser stays failed.
        case failed
    }

    enum State: Sendable {
        case head
        case fixedBody(remaining: Int)
        case chunkSize
        case chunkData(remaining: Int)
        case chunkDataEnd
        case trailers
        case failed(HTTPParseError)
    }

    /// The limits this parser enforces.
    public let limits: HTTPParserLimits
    private(set) var buffer: [UInt8] = []
    /// Start of unconsumed bytes in `buffer`.
    private var pos = 0
    private var state: State = .head

    // Head/trailer scanning state (indices into `buffer`).
    private var scan = 0
    private var lineStart = 0
    private var lines: [Range<Int>] = []
    private var sectionBytes = 0

    // The request whose body is being read.
    private var pending = HTTPRequest()
    private var pendingKeepAlive = true
    private var continuePending = false
    private var bodyTotal = 0

    /// A parser for one connection (it keeps the bytes of a partly received request).
    public init(limits: HTTPParserLimits = .init()) {
        self.limits = limits
        lines.reserveCapacity(16)
    }

    /// Bytes received but not yet consumed by a returned request.
    public var bufferedByteCount: Int { buffer.count - pos }

    /// The current phase (``Phase/idle`` when no byte of a next request is buffered).
    public var phase: Phase {
        switch state {
        case .head: return (pos == buffer.count && lines.isEmpty && scan == pos) ? .idle : .head
        case .failed: return .failed
        default: return .body
        }
    }

    /// Appends received bytes.
    public mutating func append(_ bytes: UnsafeRawBufferPointer) {
        var b = bytes.bindMemory(to: UInt8.self)[...]
        // A Content-Length body with nothing else buffered goes straight into the request body:
        // one copy instead of two, and no second body-sized buffer.
        if pos == buffer.count, case .fixedBody(let remaining) = state, !b.isEmpty {
            let take = min(remaining, b.count)
            pending.body.append(contentsOf: b.prefix(take))
            state = .fixedBody(remaining: remaining - take)
            continuePending = false
            b = b.dropFirst(take)
            if b.isEmpty { return }
        }
        compactIfUseful()
        buffer.append(contentsOf: b)
    }

    /// Appends received bytes.
    public mutating func append<C: Collection>(_ bytes: C) where C.Element == UInt8 {
        Array(bytes).withUnsafeBytes { append($0) }
    }

    /// Drops consumed bytes so the buffer does not grow without bound.
    private mutating func compactIfUseful() {
        if pos == 0 { return }
        if pos == buffer.count {
            // Nothing unconsumed: the common case between keep-alive requests. Keep a small
            // buffer's capacity; give a large one (after a big chunked upload) back.
            if buffer.capacity > 256 * 1024 { buffer = [] } else { buffer.removeAll(keepingCapacity: true) }
            shift(by: pos)
        } else if pos >= 64 * 1024 {
            buffer.removeSubrange(0..<pos)
            shift(by: pos)
        }
    }

    private mutating func shift(by n: Int) {
        pos -= n
        scan -= n
        lineStart -= n
        for i in lines.indices { lines[i] = (lines[i].lowerBound - n)..<(lines[i].upperBound - n) }
    }

    /// Parses as far as the buffered bytes allow.
    public mutating func next() -> Event {
        while true {
            switch state {
            case .failed(let e):
                return .error(e)
            case .head:
                switch scanSection(isTrailer: false) {
                case .needMore: return .needMoreData
                case .failed(let e): return fail(e)
                case .complete(let end):
                    let result = parseHead(end: end)
                    pos = end
                    resetScan()
                    switch result {
                    case .failure(let e): return fail(e)
                    case .success(let r):
                        if let r { return r }
                    }
                }
            case .fixedBody(let remaining):
                let take = min(remaining, buffer.count - pos)
                if take > 0 {
                    pending.body.append(contentsOf: buffer[pos..<(pos + take)])
                    pos += take
                    continuePending = false
                }
                if take < remaining {
                    state = .fixedBody(remaining: remaining - take)
                    if continuePending { continuePending = false; return .continueNeeded }
                    return .needMoreData
                }
                return finishRequest()
            case .chunkSize:
                switch parseChunkSizeLine() {
                case .needMore:
                    if continuePending && pos == buffer.count { continuePending = false; return .continueNeeded }
                    return .needMoreData
                case .failed(let e): return fail(e)
                case .size(let n):
                    continuePending = false
                    if n == 0 { resetScan(); state = .trailers } else { state = .chunkData(remaining: n) }
                }
            case .chunkData(let remaining):
                let take = min(remaining, buffer.count - pos)
                if take > 0 {
                    pending.body.append(contentsOf: buffer[pos..<(pos + take)])
                    pos += take
                }
                if take < remaining {
                    state = .chunkData(remaining: remaining - take)
                    return .needMoreData
                }
                state = .chunkDataEnd
            case .chunkDataEnd:
                if buffer.count - pos < 2 {
                    if buffer.count - pos == 1 && buffer[pos] != 0x0D {
                        return fail(.bad("chunk data not followed by CRLF"))
                    }
                    return .needMoreData
                }
                guard buffer[pos] == 0x0D, buffer[pos + 1] == 0x0A else {
                    return fail(.bad("chunk data not followed by CRLF"))
                }
                pos += 2
                state = .chunkSize
            case .trailers:
                switch scanSection(isTrailer: true) {
                case .needMore: return .needMoreData
                case .failed(let e): return fail(e)
                case .complete(let end):
                    var trailers = HTTPHeaders()
                    for line in lines {
                        switch parseField(line) {
                        case .failure(let e): return fail(e)
                        case .success(let f): trailers.add(name: f.name, value: f.value)
                        }
                    }
                    pending.trailers = trailers
                    pos = end
                    resetScan()
                    return finishRequest()
                }
            }
        }
    }

    private mutating func fail(_ e: HTTPParseError) -> Event {
        state = .failed(e)
        return .error(e)
    }

    private mutating func resetScan() {
        scan = pos
        lineStart = pos
        lines.removeAll(keepingCapacity: true)
        sectionBytes = 0
    }

    private mutating func finishRequest() -> Event {
        state = .head
        resetScan()
        let r = pending
        pending = HTTPRequest()
        return .request(r, keepAlive: pendingKeepAlive)
    }

    // MARK: - Section scanning (request line + headers, or trailers)

    enum ScanResult { case needMore, failed(HTTPParseError), complete(end: Int) }

    /// Finds the CRLF-terminated lines of a head or trailer section up to its empty line,
    /// recording line ranges (without CRLF) in `lines`. For a head, `lines[0]` is the request line.
    private mutating func scanSection(isTrailer: Bool) -> ScanResult {
        if !isTrailer && lines.isEmpty && scan == pos {
            // Skip empty lines before the request line (RFC 9112 §2.2).
            while buffer.count - pos >= 2 && buffer[pos] == 0x0D && buffer[pos + 1] == 0x0A { pos += 2 }
            scan = pos
            lineStart = pos
            if pos < buffer.count && buffer[pos] == 0x0A { return .failed(.bad("bare LF in request head; lines must end with CRLF")) }
            if buffer.count - pos == 1 && buffer[pos] == 0x0D { return .needMore }
        }
        let count = buffer.count
        while scan < count {
            guard let lf = findLF(from: scan, to: count) else {
                scan = count
                break
            }
            if lf == lineStart || buffer[lf - 1] != 0x0D {
                return .failed(.bad("bare LF in \(isTrailer ? "trailer section" : "request head"); lines must end with CRLF"))
            }
            let line = lineStart..<(lf - 1)
            scan = lf + 1
            lineStart = scan
            if line.isEmpty {
                if lines.isEmpty && !isTrailer { return .failed(.bad("empty request line")) }
                return .complete(end: scan)
            }
            let isRequestLine = !isTrailer && lines.isEmpty
            if isRequestLine {
                if line.count > limits.maxURILength + 32 { return .failed(.uriTooLong) }
            } else {
                sectionBytes += line.count + 2
                if sectionBytes > limits.maxHeaderBytes { return .failed(.headersTooLarge) }
                if lines.count - (isTrailer ? 0 : 1) >= limits.maxHeaderCount { return .failed(.tooManyHeaders) }
            }
            lines.append(line)
        }
        // Incomplete: bound what an unterminated line may hold.
        let partial = count - lineStart
        if !isTrailer && lines.isEmpty {
            if partial > limits.maxURILength + 32 { return .failed(.uriTooLong) }
        } else if sectionBytes + partial > limits.maxHeaderBytes + 1 {
            return .failed(.headersTooLarge)
        }
        return .needMore
    }

    private func findLF(from: Int, to: Int) -> Int? {
        buffer.withUnsafeBufferPointer { p -> Int? in
            var i = from
            let base = p.baseAddress!
            while i < to {
                if base[i] == 0x0A { return i }
                i += 1
            }
            return nil
        }
    }

    // MARK: - Head

    private mutating func parseHead(end: Int) -> Result<Event?, HTTPParseError> {
        var req = HTTPRequest()
        // Request line: method SP request-target SP HTTP-version
        let rl = lines[0]
        var sp1 = -1, sp2 = -1
        for i in rl where buffer[i] == 0x20 {
            if sp1 < 0 { sp1 = i } else if sp2 < 0 { sp2 = i } else { return .failure(.bad("malformed request line")) }
        }
        guard sp1 > rl.lowerBound, sp2 > sp1 + 1, sp2 < rl.upperBound - 1 else {
            return .failure(.bad("malformed request line"))
        }
        for i in rl.lowerBound..<sp1 where !isTokenChar(buffer[i]) { return .failure(.bad("method is not a token")) }
        let targetRange = (sp1 + 1)..<sp2
        if targetRange.count > limits.maxURILength { return .failure(.uriTooLong) }
        for i in targetRange {
            let c = buffer[i]
            if c <= 0x20 || c >= 0x7F { return .failure(.bad("invalid character in request target")) }
        }
        let vr = (sp2 + 1)..<rl.upperBound
        guard vr.count == 8, buffer[vr.lowerBound] == 0x48, buffer[vr.lowerBound + 1] == 0x54,
              buffer[vr.lowerBound + 2] == 0x54, buffer[vr.lowerBound + 3] == 0x50, buffer[vr.lowerBound + 4] == 0x2F,
              isDigit(buffer[vr.lowerBound + 5]), buffer[vr.lowerBound + 6] == 0x2E, isDigit(buffer[vr.lowerBound + 7])
        else { return .failure(.bad("malformed HTTP version")) }
        let major = buffer[vr.lowerBound + 5] - 0x30, minor = buffer[vr.lowerBound + 7] - 0x30
        guard major == 1 else {
            return .failure(.init(505, "http_version_not_supported", "only HTTP/1.0 and HTTP/1.1 are supported on this connection"))
        }
        let isHTTP10 = minor == 0
        req.version = isHTTP10 ? "HTTP/1.0" : "HTTP/1.1"
        req.method = string(rl.lowerBound..<sp1)

        // Target forms: origin-form, absolute-form (authority dropped), "*" for OPTIONS.
        var pathStart = targetRange.lowerBound
        if buffer[pathStart] != 0x2F {
            if targetRange.count == 1 && buffer[pathStart] == 0x2A {
                guard req.method == "OPTIONS" else { return .failure(.bad("'*' target is only valid for OPTIONS")) }
            } else if let afterScheme = absoluteFormPathStart(targetRange) {
                pathStart = afterScheme
            } else {
                return .failure(.bad("request target must be origin-form or absolute-form"))
            }
        }
        req.target = string(targetRange)
        var queryStart = -1
        for i in pathStart..<sp2 where buffer[i] == 0x3F { queryStart = i; break }
        let pathEnd = queryStart >= 0 ? queryStart : sp2
        if pathStart == pathEnd {
            req.path = "/"
        } else {
            guard let p = PercentDecoding.decode(buffer[pathStart..<pathEnd], plusAsSpace: false) else {
                return .failure(.bad("invalid percent-encoding in path"))
            }
            req.path = p
        }
        if queryStart >= 0 {
            guard PercentDecoding.parseQuery(buffer[(queryStart + 1)..<sp2], into: &req.queryItems) else {
                return .failure(.bad("invalid percent-encoding in query"))
            }
            for item in req.queryItems { req.query[item.name] = item.value }
        }

        // Header fields.
        var contentLength: Int? = nil
        var contentLengthCount = 0
        var transferEncoding: [UInt8]? = nil
        var hostCount = 0
        var keepAlive = !isHTTP10
        var expectContinue = false
        var headers = HTTPHeaders()
        headers.storage.reserveCapacity(lines.count - 1)
        for li in 1..<lines.count {
            let line = lines[li]
            let field: (name: String, value: String, nameRange: Range<Int>, valueRange: Range<Int>)
            switch parseField(line) {
            case .failure(let e): return .failure(e)
            case .success(let f): field = f
            }
            let n = field.nameRange
            switch n.count {
            case 4 where equalsLower(n, "host"):
                hostCount += 1
            case 14 where equalsLower(n, "content-length"):
                contentLengthCount += 1
                guard contentLengthCount == 1 else { return .failure(.bad("more than one Content-Length field")) }
                guard let v = parseDecimal(field.valueRange) else { return .failure(.bad("invalid Content-Length value")) }
                contentLength = v
            case 17 where equalsLower(n, "transfer-encoding"):
                if transferEncoding == nil { transferEncoding = [] } else { transferEncoding!.append(0x2C) }
                transferEncoding!.append(contentsOf: buffer[field.valueRange])
            case 10 where equalsLower(n, "connection"):
                for token in commaList(field.valueRange) {
                    if equalsLower(token, "close") { keepAlive = false }
                    else if equalsLower(token, "keep-alive") && isHTTP10 { keepAlive = true }
                }
            case 6 where equalsLower(n, "expect"):
                if !isHTTP10 {
                    guard equalsLower(field.valueRange, "100-continue") else {
                        return .failure(.init(417, "expectation_failed", "only 'Expect: 100-continue' is supported"))
                    }
                    expectContinue = true
                }
            default: break
            }
            headers.storage.append((name: field.name, value: field.value))
        }
        if hostCount > 1 { return .failure(.bad("more than one Host field")) }
        if hostCount == 0 && !isHTTP10 { return .failure(.bad("HTTP/1.1 request without Host field")) }
        // Once anything is wrong with the framing, connection: close is implied by the error path.
        var chunked = false
        if let te = transferEncoding {
            if contentLength != nil { return .failure(.bad("both Transfer-Encoding and Content-Length present")) }
            if isHTTP10 { return .failure(.bad("Transfer-Encoding in an HTTP/1.0 request")) }
            var codings: [[UInt8]] = []
            var ok = true
            te.withUnsafeBufferPointer { p in
                for part in p.split(separator: 0x2C, omittingEmptySubsequences: false) {
                    let t = trimOWS(part)
                    if t.isEmpty || !t.allSatisfy(isTokenChar) { ok = false; return }
                    codings.append(t.map(asciiLower))
                }
            }
            guard ok else { return .failure(.bad("malformed Transfer-Encoding value")) }
            let chunkedBytes = Array("chunked".utf8)
            guard codings.last == chunkedBytes else { return .failure(.bad("chunked must be the final transfer coding")) }
            guard codings.filter({ $0 == chunkedBytes }).count == 1 else { return .failure(.bad("chunked applied more than once")) }
            if codings.count > 1 {
                return .failure(.init(501, "not_implemented", "transfer coding '\(String(decoding: codings[0], as: UTF8.self))' is not supported"))
            }
            chunked = true
        }
        if !chunked && contentLength == nil && (req.method == "POST" || req.method == "PUT") {
            return .failure(.lengthRequired)
        }
        if let cl = contentLength, cl > limits.maxBodyBytes { return .failure(.bodyTooLarge) }
        req.headers = headers

        pending = req
        pendingKeepAlive = keepAlive
        bodyTotal = 0
        if chunked {
            continuePending = expectContinue
            state = .chunkSize
            return .success(nil)
        }
        let length = contentLength ?? 0
        if length == 0 {
            state = .head
            pending = HTTPRequest()
            return .success(.request(req, keepAlive: keepAlive))
        }
        pending.body.reserveCapacity(length)
        continuePending = expectContinue
        state = .fixedBody(remaining: length)
        return .success(nil)
    }

    /// For `http://host/p` or `https://host/p` returns the index of `/p` (or the end).
    private func absoluteFormPathStart(_ r: Range<Int>) -> Int? {
        var i = r.lowerBound
        while i < r.upperBound && isAlpha(buffer[i]) { i += 1 }
        let scheme = r.lowerBound..<i
        guard equalsLower(scheme, "http") || equalsLower(scheme, "https") else { return nil }
        guard r.upperBound - i >= 3, buffer[i] == 0x3A, buffer[i + 1] == 0x2F, buffer[i + 2] == 0x2F else { return nil }
        i += 3
        let authorityStart = i
        while i < r.upperBound && buffer[i] != 0x2F && buffer[i] != 0x3F { i += 1 }
        guard i > authorityStart else { return nil }
        if i < r.upperBound && buffer[i] == 0x3F { return nil }  // "http://h?q" has no path; reject
        return i
    }

    // MARK: - Fields

    private func parseField(_ line: Range<Int>) -> Result<(name: String, value: String, nameRange: Range<Int>, valueRange: Range<Int>), HTTPParseError> {
        let first = buffer[line.lowerBound]
        if first == 0x20 || first == 0x09 { return .failure(.bad("obsolete line folding (obs-fold) is not accepted")) }
        var colon = -1
        for i in line where buffer[i] == 0x3A { colon = i; break }
        guard colon > line.lowerBound else { return .failure(.bad("header line without field name and colon")) }
        let last = buffer[colon - 1]
        if last == 0x20 || last == 0x09 { return .failure(.bad("whitespace between header field name and colon")) }
        for i in line.lowerBound..<colon where !isTokenChar(buffer[i]) {
            return .failure(.bad("header field name is not a token"))
        }
        var vs = colon + 1, ve = line.upperBound
        while vs < ve && (buffer[vs] == 0x20 || buffer[vs] == 0x09) { vs += 1 }
        while ve > vs && (buffer[ve - 1] == 0x20 || buffer[ve - 1] == 0x09) { ve -= 1 }
        for i in vs..<ve {
            let c = buffer[i]
            if (c < 0x20 && c != 0x09) || c == 0x7F { return .failure(.bad("control character in header field value")) }
        }
        let nameRange = line.lowerBound..<colon
        return .success((string(nameRange), string(vs..<ve), nameRange, vs..<ve))
    }

    private func string(_ r: Range<Int>) -> String {
        buffer.withUnsafeBufferPointer { p in
            String(decoding: UnsafeBufferPointer(rebasing: p[r]), as: UTF8.self)
        }
    }

    private func equalsLower(_ r: Range<Int>, _ lower: StaticString) -> Bool {
        guard r.count == lower.utf8CodeUnitCount else { return false }
        let s = lower.utf8Start
        var j = 0
        for i in r {
            if asciiLower(buffer[i]) != s[j] { return false }
            j += 1
        }
        return true
    }

    /// Comma-separated list elements of a field value, OWS-trimmed, empties dropped.
    private func commaList(_ r: Range<Int>) -> [Range<Int>] {
        var out: [Range<Int>] = []
        var start = r.lowerBound
        for i in r.lowerBound...r.upperBound where i == r.upperBound || buffer[i] == 0x2C {
            var s = start, e = i
            while s < e && (buffer[s] == 0x20 || buffer[s] == 0x09) { s += 1 }
            while e > s && (buffer[e - 1] == 0x20 || buffer[e - 1] == 0x09) { e -= 1 }
            if s < e { out.append(s..<e) }
            start = i + 1
        }
        return out
    }

    /// 1*DIGIT, at most 18 digits (no sign, no list, no whitespace).
    private func parseDecimal(_ r: Range<Int>) -> Int? {
        guard !r.isEmpty, r.count <= 18 else { return nil }
        var v = 0
        for i in r {
            let c = buffer[i]
            guard isDigit(c) else { return nil }
            v = v * 10 + Int(c - 0x30)
        }
        return v
    }

    // MARK: - Chunked framing

    enum ChunkSizeResult { case needMore, failed(HTTPParseError), size(Int) }

    /// chunk-size [ chunk-ext ] CRLF, with chunk-size = 1*HEXDIG.
    private mutating func parseChunkSizeLine() -> ChunkSizeResult {
        let count = buffer.count
        guard let lf = findLF(from: pos, to: count) else {
            if count - pos > 4096 { return .failed(.bad("chunk size line too long")) }
            // Reject an invalid first byte early so garbage does not wait for a LF.
            if count > pos && hexValue(buffer[pos]) == nil { return .failed(.bad("invalid chunk size")) }
            return .needMore
        }
        if lf - pos > 4096 { return .failed(.bad("chunk size line too long")) }
        guard lf > pos, buffer[lf - 1] == 0x0D else { return .failed(.bad("bare LF in chunk framing; lines must end with CRLF")) }
        let lineEnd = lf - 1
        var i = pos
        var size = 0
        var digits = 0
        while i < lineEnd, let h = hexValue(buffer[i]) {
            digits += 1
            if digits > 15 { return .failed(.bad("chunk size too large")) }
            size = size << 4 | h
            i += 1
        }
        guard digits > 0 else { return .failed(.bad("invalid chunk size")) }
        if i < lineEnd {
            // chunk-ext = *( BWS ";" BWS ext-name [ BWS "=" BWS ext-value ] ); checked loosely:
            // must start with ';' after optional whitespace and contain no control characters.
            var j = i
            while j < lineEnd && (buffer[j] == 0x20 || buffer[j] == 0x09) { j += 1 }
            guard j < lineEnd, buffer[j] == 0x3B else { return .failed(.bad("invalid chunk size")) }
            for k in j..<lineEnd {
                let c = buffer[k]
                if (c < 0x20 && c != 0x09) || c == 0x7F { return .failed(.bad("control character in chunk extension")) }
            }
        }
        if size > limits.maxBodyBytes - bodyTotal { return .failed(.bodyTooLarge) }
        bodyTotal += size
        if size > 0 { pending.body.reserveCapacity(bodyTotal) }
        pos = lf + 1
        return .size(size)
    }
}

// MARK: - Character classes

@inline(__always) func isDigit(_ c: UInt8) -> Bool { c >= 0x30 && c <= 0x39 }
@inline(__always) func isAlpha(_ c: UInt8) -> Bool { (c | 0x20) >= 0x61 && (c | 0x20) <= 0x7A }

@inline(__always) func hexValue(_ c: UInt8) -> Int? {
    switch c {
    case 0x30...0x39: Int(c - 0x30)
    case 0x41...0x46: Int(c - 0x37)
    case 0x61...0x66: Int(c - 0x57)
    default: nil
    }
}

/// tchar per RFC 9110 §5.6.2.
@inline(__always) func isTokenChar(_ c: UInt8) -> Bool {
    switch c {
    case 0x30...0x39, 0x41...0x5A, 0x61...0x7A: true
    case 0x21, 0x23, 0x24, 0x25, 0x26, 0x27, 0x2A, 0x2B, 0x2D, 0x2E, 0x5E, 0x5F, 0x60, 0x7C, 0x7E: true
    default: false
    }
}

func trimOWS(_ s: Slice<UnsafeBufferPointer<UInt8>>) -> Slice<UnsafeBufferPointer<UInt8>> {
    var s = s
    while let f = s.first, f == 0x20 || f == 0x09 { s = s.dropFirst() }
    while let l = s.last, l == 0x20 || l == 0x09 { s = s.dropLast() }
    return s
}
