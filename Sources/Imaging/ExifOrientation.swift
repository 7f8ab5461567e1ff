/// Reads the EXIF Orientation tag (0x0112 in IFD0 of the APP1 "Exif" segment) from JPEG bytes.
/// Every offset is bounds-checked; anything malformed yields 1 (upright) rather than an error,
/// because a broken Exif block does not make the pixels wrong.
enum ExifOrientation {
    /// Orientation 1…8; 1 when absent or malformed.
    static func read(fromJPEG b: [UInt8]) -> Int {
        guard b.count >= 4, b[0] == 0xFF, b[1] == 0xD8 else { return 1 }
        var p = 2
        while p + 4 <= b.count {
            guard b[p] == 0xFF else { return 1 }
            let marker = b[p + 1]
            if marker == 0xFF { p += 1; continue }  // fill byte
            if marker == 0xD8 || marker == 0x01 || (0xD0...0xD7).contains(marker) { p += 2; continue }
            if marker == 0xDA || marker == 0xD9 { return 1 }  // scan or end: no Exif before it
            let len = Int(b[p + 2]) << 8 | Int(b[p + 3])
            guard len >= 2, p + 2 + len <= b.count else { return 1 }
            let start = p + 4, end = p + 2 + len
            if marker == 0xE1, end - start >= 6,
               b[start..<(start + 6)].elementsEqual([0x45, 0x78, 0x69, 0x66, 0, 0]) {
                return parseTIFF(b, from: start + 6, to: end) ?? 1
            }
            p = end
        }
        return 1
    }

    /// IFD0 orientation from the TIFF structure in b[base..<end].
    static func parseTIFF(_ b: [UInt8], from base: Int, to end: Int) -> Int? {
        guard end - base >= 8 else { return nil }
        let little: Bool
        switch (b[base], b[base + 1]) {
        case (0x49, 0x49): little = true
        case (0x4D, 0x4D): little = false
        default: return nil
        }
        func u16(_ o: Int) -> Int? {
            guard o >= base, o + 2 <= end else { return nil }
            return little ? Int(b[o]) | Int(b[o + 1]) << 8 : Int(b[o]) << 8 | Int(b[o + 1])
        }
        func u32(_ o: Int) -> Int? {
            guard let a = u16(o), let c = u16(o + 2) else { return nil }
            return little ? a | c << 16 : a << 16 | c
        }
        guard u16(base + 2) == 42, let ifd = u32(base + 4), ifd >= 8, ifd < end - base,
              let count = u16(base + ifd) else { return nil }
        for i in 0..<count {
            let e = base + ifd + 2 + i * 12
            guard e + 12 <= end else { return nil }
            guard let tag = u16(e), tag == 0x0112 else { continue }
            guard let type = u16(e + 2), type == 3, let n = u32(e + 4), n >= 1,
                  let v = u16(e + 8), (1...8).contains(v) else { return nil }
            return v
        }
        return nil
    }
}
