/// Percent-decoding of request targets (RFC 3986 §2.1); results must be valid UTF-8.
enum PercentDecoding {
    /// Decodes `%XX` escapes (and `+` as space when `plusAsSpace`); nil on a malformed escape,
    /// on invalid UTF-8, or on an encoded NUL (which no handler should have to consider).
    static func decode(_ bytes: ArraySlice<UInt8>, plusAsSpace: Bool) -> String? {
        var needs = false
        for c in bytes where c == 0x25 || (plusAsSpace && c == 0x2B) { needs = true; break }
        if !needs {
            return validUTF8String(bytes)
        }
        var out = [UInt8]()
        out.reserveCapacity(bytes.count)
        var i = bytes.startIndex
        while i < bytes.endIndex {
            let c = bytes[i]
            if c == 0x25 {
                guard i + 2 < bytes.endIndex, let h = hexValue(bytes[i + 1]), let l = hexValue(bytes[i + 2]) else { return nil }
                let v = UInt8(h << 4 | l)
                if v == 0 { return nil }
                out.append(v)
                i += 3
            } else {
                out.append(plusAsSpace && c == 0x2B ? 0x20 : c)
                i += 1
            }
        }
        return validUTF8String(out[...])
    }

    private static func validUTF8String(_ bytes: ArraySlice<UInt8>) -> String? {
        String(validating: bytes, as: UTF8.self)
    }

    /// Parses `a=1&b=x+y` into decoded items; false on a malformed escape.
    static func parseQuery(_ bytes: ArraySlice<UInt8>, into items: inout [(name: String, value: String)]) -> Bool {
        for part in bytes.split(separator: 0x26, omittingEmptySubsequences: true) {
            let eq = part.firstIndex(of: 0x3D)
            let nameBytes = eq.map { part[part.startIndex..<$0] } ?? part
            let valueBytes = eq.map { part[($0 + 1)..<part.endIndex] } ?? []
            guard let n = decode(nameBytes, plusAsSpace: true), let v = decode(valueBytes, plusAsSpace: true) else { return false }
            items.append((name: n, value: v))
        }
        return true
    }
}
