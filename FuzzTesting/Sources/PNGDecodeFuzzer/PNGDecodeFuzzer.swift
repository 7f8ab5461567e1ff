import Imaging

/// libFuzzer entry point for PNG decoding (libpng under setjmp in CCodecs).
///
/// Any bytes are decoded as a PNG: the signature is prefixed when missing and every complete
/// chunk's CRC is recomputed, since a mutation would otherwise almost always stop at the CRC
/// check. Even-sized inputs take the full decode, odd ones the streamed decode→resize path.
/// Oracles beyond "no crash, no ASan report": pixel count matches the size, and the streamed
/// tensor has 3 × 16 × 16 values.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzPNGDecode(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    var bytes = Array(UnsafeBufferPointer(start: data, count: size))
    let signature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
    if !bytes.starts(with: signature) { bytes = signature + bytes }
    fixCRCs(&bytes)
    let limits = DecodeLimits(maxBytes: 1 << 20, maxPixels: 4_000_000)
    if size & 1 == 0 {
        guard let d = try? ImageDecoder.decode(bytes, limits: limits) else { return 0 }
        guard d.image.pixels.count == d.image.width * d.image.height * 3 else {
            fatalError("decoded \(d.image.pixels.count) bytes for \(d.image.width)x\(d.image.height)")
        }
    } else if let m = try? Preprocess.decodeModelInput(bytes, size: 16, limits: limits), m.tensor.count != 768 {
        fatalError("model input has \(m.tensor.count) values")
    }
    return 0
}

let crcTable: [UInt32] = (0..<256).map { n in
    var c = UInt32(n)
    for _ in 0..<8 { c = c & 1 != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
    return c
}

/// Rewrites the CRC of each complete chunk after the signature.
func fixCRCs(_ b: inout [UInt8]) {
    var p = 8
    while p + 12 <= b.count {
        let len = Int(b[p]) << 24 | Int(b[p + 1]) << 16 | Int(b[p + 2]) << 8 | Int(b[p + 3])
        guard len <= b.count - p - 12 else { return }
        var c: UInt32 = 0xFFFF_FFFF
        for i in (p + 4)..<(p + 8 + len) { c = crcTable[Int((c ^ UInt32(b[i])) & 0xFF)] ^ (c >> 8) }
        c ^= 0xFFFF_FFFF
        let q = p + 8 + len
        b[q] = UInt8(c >> 24)
        b[q + 1] = UInt8((c >> 16) & 0xFF)
        b[q + 2] = UInt8((c >> 8) & 0xFF)
        b[q + 3] = UInt8(c & 0xFF)
        p = q + 4
    }
}
