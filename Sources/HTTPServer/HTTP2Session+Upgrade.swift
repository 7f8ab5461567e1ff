/// HTTP/1.1 `Upgrade: h2c` (RFC 7540 §3.2): which requests qualify, and the HTTP2-Settings value.
extension HTTP2Session {
    /// The 101 answer that precedes the server's HTTP/2 connection preface.
    static let switchingProtocols = Array("HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: h2c\r\n\r\n".utf8)

    /// The decoded SETTINGS payload when `request` asks to upgrade to h2c (an `Upgrade` list
    /// with `h2c`, exactly one valid `HTTP2-Settings` field, both named in `Connection`); nil otherwise.
    static func upgradeSettings(_ request: HTTPRequest) -> [UInt8]? {
        guard request.version == "HTTP/1.1",
              let upgrade = request.headers["Upgrade"], tokens(upgrade).contains("h2c"),
              let connection = request.headers["Connection"] else { return nil }
        let named = tokens(connection)
        let values = request.headers.values("HTTP2-Settings")
        guard named.contains("upgrade"), named.contains("http2-settings"), values.count == 1 else { return nil }
        guard let payload = base64URLDecode(values[0]), payload.count % 6 == 0 else { return nil }
        return payload
    }

    /// Lower-cased, trimmed elements of a comma-separated field value.
    private static func tokens(_ value: String) -> [String] {
        value.split(separator: ",").map { part in
            String(decoding: part.utf8.drop { $0 == 0x20 || $0 == 0x09 }.reversed().drop { $0 == 0x20 || $0 == 0x09 }.reversed().map(asciiLower), as: UTF8.self)
        }
    }

    /// base64url (RFC 4648 §5), padding optional; nil on any other character.
    static func base64URLDecode(_ s: String) -> [UInt8]? {
        var out: [UInt8] = []
        var acc: UInt32 = 0
        var bits = 0
        for c in s.utf8 {
            let v: UInt32
            switch c {
            case 0x41...0x5A: v = UInt32(c - 0x41)
            case 0x61...0x7A: v = UInt32(c - 0x61 + 26)
            case 0x30...0x39: v = UInt32(c - 0x30 + 52)
            case 0x2D, 0x2B: v = 62  // '-' (also '+', which some clients send)
            case 0x5F, 0x2F: v = 63  // '_' (and '/')
            case 0x3D: continue      // '=' padding
            default: return nil
            }
            acc = (acc << 6) | v
            bits += 6
            if bits >= 8 {
                bits -= 8
                out.append(UInt8((acc >> UInt32(bits)) & 0xFF))
            }
        }
        return out
    }
}
