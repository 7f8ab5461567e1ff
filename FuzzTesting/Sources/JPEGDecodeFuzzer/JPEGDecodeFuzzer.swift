import Imaging

/// libFuzzer entry point for JPEG decoding (libjpeg under setjmp in CCodecs).
///
/// Any bytes are decoded as a JPEG (SOI is prefixed when missing, so mutations reach libjpeg),
/// alternately at full size and DCT-scaled, then resized to a model input. Oracles beyond "no
/// crash, no ASan report": a decoded image has exactly width × height × 3 bytes, and the
/// original size is consistent with the orientation and DCT scale.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzJPEGDecode(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    var bytes = Array(UnsafeBufferPointer(start: data, count: size))
    if !(bytes.count >= 3 && bytes[0] == 0xFF && bytes[1] == 0xD8 && bytes[2] == 0xFF) {
        bytes = [0xFF, 0xD8, 0xFF] + bytes
    }
    let limits = DecodeLimits(maxBytes: 1 << 20, maxPixels: 4_000_000)
    let minimumSide: Int? = size & 1 == 0 ? 32 : nil
    guard let d = try? ImageDecoder.decode(bytes, minimumSide: minimumSide, limits: limits) else { return 0 }
    let img = d.image
    guard img.pixels.count == img.width * img.height * 3, img.width > 0, img.height > 0 else {
        fatalError("decoded \(img.pixels.count) bytes for \(img.width)x\(img.height)")
    }
    guard img.width <= d.originalWidth, img.height <= d.originalHeight,
          d.originalWidth * d.originalHeight <= limits.maxPixels else {
        fatalError("decoded \(img.width)x\(img.height) from \(d.originalWidth)x\(d.originalHeight)")
    }
    _ = Preprocess.modelInput(img, size: 16)
    return 0
}
