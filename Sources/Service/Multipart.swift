/// A minimal `multipart/form-data` reader (RFC 7578): splits a body into its parts.
struct MultipartPart {
    var headers: [(String, String)]
    var body: ArraySlice<UInt8>

    var contentType: String? { header("content-type") }
    var name: String? { Multipart.parameter("name", in: header("content-disposition") ?? "") }

    func header(_ name: String) -> String? {
        headers.first { $0.0.lowercased() == name }?.1
    }
}

enum Multipart {
    /// The `boundary` parameter of a multipart Content-Type, or nil.
    static func boundary(fromContentType value: String) -> String? {
        guard value.lowercased().hasPrefix("multipart/") else { return nil }
        return parameter("boundary", in: value)
    }

    /// A `key=value` or `key="value"` parameter of a header value.
    static func parameter(_ key: String, in value: String) -> String? {
        for piece in value.split(separator: ";").dropFirst() {
            let pair = piece.split(separator: "=", maxSplits: 1)
            guard pair.count == 2,
                  pair[0].trimmingSpaces().lowercased() == key else { continue }
            var v = pair[1].trimmingSpaces()
            if v.hasPrefix("\""), v.hasSuffix("\""), v.count >= 2 { v = String(v.dropFirst().dropLast()) }
            return v
        }
        return nil
    }

    /// Splits `body` at `--boundary` delimiters.
    /// - Throws: `ServiceError.badRequest` naming what is malformed.
    static func parse(_ body: [UInt8], boundary: String) throws -> [MultipartPart] {
        guard !boundary.isEmpty, boundary.utf8.count <= 70 else {
            throw ServiceError.badRequest("multipart boundary must be 1–70 characters")
        }
        let delimiter = Array("--\(boundary)".utf8)
        var positions: [Int] = []
        var searchFrom = 0
        while let found = find(delimiter, in: body, from: searchFrom) {
            positions.append(found)
            searchFrom = found + delimiter.count
        }
        guard positions.count >= 2 else {
            throw ServiceError.badRequest("multipart body has no complete part delimited by '--\(boundary)'")
        }
        var parts: [MultipartPart] = []
        for (start, end) in zip(positions, positions.dropFirst()) {
            var cursor = start + delimiter.count
            // A delimiter is followed by CRLF; "--" marks the close delimiter.
            if cursor + 1 < body.count, body[cursor] == UInt8(ascii: "-"), body[cursor + 1] == UInt8(ascii: "-") { break }
            guard let lineEnd = find([13, 10], in: body, from: cursor), lineEnd < end else {
                throw ServiceError.badRequest("multipart delimiter line is not terminated by CRLF")
            }
            cursor = lineEnd + 2
            guard let headerEnd = find([13, 10, 13, 10], in: body, from: cursor - 2), headerEnd < end else {
                throw ServiceError.badRequest("multipart part \(parts.count + 1) has no header/body separator")
            }
            var headers: [(String, String)] = []
            if headerEnd > cursor {
                let text = String(decoding: body[cursor..<headerEnd], as: UTF8.self)
                for line in text.split(separator: "\r\n") {
                    guard let colon = line.firstIndex(of: ":") else {
                        throw ServiceError.badRequest("multipart part \(parts.count + 1) has a malformed header line")
                    }
                    headers.append((line[..<colon].trimmingSpaces(), line[line.index(after: colon)...].trimmingSpaces()))
                }
            }
            let bodyStart = headerEnd + 4
            // The CRLF before the next delimiter belongs to the delimiter.
            let bodyEnd = end >= 2 && body[end - 2] == 13 && body[end - 1] == 10 ? end - 2 : end
            guard bodyStart <= bodyEnd else {
                throw ServiceError.badRequest("multipart part \(parts.count + 1) is truncated")
            }
            parts.append(MultipartPart(headers: headers, body: body[bodyStart..<bodyEnd]))
        }
        return parts
    }

    /// First index of `needle` in `haystack` at or after `from` (memchr on the first byte).
    static func find(_ needle: [UInt8], in haystack: [UInt8], from: Int) -> Int? {
        guard let first = needle.first, needle.count <= haystack.count else { return nil }
        var i = max(0, from)
        let last = haystack.count - needle.count
        return haystack.withUnsafeBufferPointer { hay in
            while i <= last {
                if hay[i] == first {
                    var j = 1
                    while j < needle.count && hay[i + j] == needle[j] { j += 1 }
                    if j == needle.count { return i }
                }
                i += 1
            }
            return nil
        }
    }
}

extension StringProtocol {
    func trimmingSpaces() -> String {
        var s = Substring(self)
        while let c = s.first, c == " " || c == "\t" { s.removeFirst() }
        while let c = s.last, c == " " || c == "\t" { s.removeLast() }
        return String(s)
    }
}
