/// Image container formats the decoder accepts, identified by magic bytes (never by the
/// client's Content-Type).
public enum ImageFormat: String, Sendable, CaseIterable {
    case jpeg, png

    /// The format whose signature starts `bytes`, or nil for anything else (see
    /// `ImageFormat.describe(_:)` for a name to put in an error message).
    public static func sniff(_ bytes: some Collection<UInt8>) -> ImageFormat? {
        var it = bytes.makeIterator()
        var head: [UInt8] = []
        head.reserveCapacity(8)
        while head.count < 8, let b = it.next() { head.append(b) }
        if head.count >= 3, head[0] == 0xFF, head[1] == 0xD8, head[2] == 0xFF { return .jpeg }
        if head == pngSignature { return .png }
        return nil
    }

    static let pngSignature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]

    /// A human-readable name for the format of `bytes`, for 415 messages: "GIF", "WebP",
    /// "BMP", "TIFF", …, or "unknown (first bytes 00 01 …)".
    public static func describe(_ bytes: some Collection<UInt8>) -> String {
        let h = Array(bytes.prefix(16))
        func starts(_ s: [UInt8], at o: Int = 0) -> Bool {
            h.count >= o + s.count && Array(h[o..<(o + s.count)]) == s
        }
        func ascii(_ s: String) -> [UInt8] { Array(s.utf8) }
        if let f = sniff(h) { return f.rawValue.uppercased() }
        if starts(ascii("GIF87a")) || starts(ascii("GIF89a")) { return "GIF" }
        if starts(ascii("RIFF")) && starts(ascii("WEBP"), at: 8) { return "WebP" }
        if starts(ascii("BM")) { return "BMP" }
        if starts([0x49, 0x49, 0x2A, 0x00]) || starts([0x4D, 0x4D, 0x00, 0x2A]) { return "TIFF" }
        if starts(ascii("ftyp"), at: 4) {
            if starts(ascii("avif"), at: 8) || starts(ascii("avis"), at: 8) { return "AVIF" }
            return "HEIF/ISO-BMFF"
        }
        if starts([0x00, 0x00, 0x00, 0x0C, 0x6A, 0x50, 0x20, 0x20]) || starts([0xFF, 0x4F, 0xFF, 0x51]) {
            return "JPEG 2000"
        }
        if starts([0xFF, 0x0A]) || starts([0x00, 0x00, 0x00, 0x0C, 0x4A, 0x58, 0x4C, 0x20]) { return "JPEG XL" }
        if starts(ascii("8BPS")) { return "PSD" }
        if starts(ascii("qoif")) { return "QOI" }
        if starts([0x00, 0x00, 0x01, 0x00]) { return "ICO" }
        if starts(ascii("%PDF")) { return "PDF" }
        if starts([0xFF, 0xD8]) { return "JPEG without a marker after SOI" }
        let hex = h.prefix(8).map { b in
            let s = String(b, radix: 16)
            return s.count == 1 ? "0" + s : s
        }.joined(separator: " ")
        return "unknown (first bytes \(hex.isEmpty ? "none" : hex))"
    }
}
