import CCodecs

/// Decodes JPEG and PNG bytes to upright 8-bit RGB.
///
/// Policies (also in docs of each case of `ImagingError`):
/// - The format comes from the magic bytes; anything but JPEG/PNG is `.unsupportedFormat`.
/// - Size limits (`DecodeLimits`) are checked on the compressed size and on the header's
///   width × height before any pixel buffer is allocated; sides above 65500 are rejected.
/// - JPEG "premature end of data" and corrupt-entropy warnings are errors (a partly grey frame
///   would give a wrong score); harmless warnings (extraneous bytes) are tolerated.
/// - PNG alpha (including palette tRNS) is composited over `alphaBackground` (black).
/// - EXIF orientation (JPEG APP1, IFD0 tag 0x0112) is applied; PNG eXIf is not read.
public enum ImageDecoder {
    /// Background that PNG alpha is composited over: black, so hidden colour under fully
    /// transparent pixels never leaks into the score.
    public static let alphaBackground: (UInt8, UInt8, UInt8) = (0, 0, 0)

    /// Decodes `bytes`. With `minimumSide`, a JPEG is DCT-scaled to the smallest M/8 size whose
    /// shorter side is still ≥ `minimumSide` (the model input, e.g. 256); PNG is always full size.
    /// `fastScaledChroma`: when DCT-scaled, upsample chroma by replication rather than
    /// libjpeg's "fancy" triangle filter, as Pillow's draft mode does (measured −10…20 % decode
    /// time at 1920×1080 → 1/4; the difference vanishes in the later resize to the model input).
    public static func decode(_ bytes: [UInt8], minimumSide: Int? = nil, limits: DecodeLimits = .init(),
                              fastScaledChroma: Bool = true) throws(ImagingError) -> DecodedImage {
        guard !bytes.isEmpty else { throw .empty }
        guard bytes.count <= limits.maxBytes else {
            throw .tooLarge("\(bytes.count) bytes exceeds the limit of \(limits.maxBytes) bytes")
        }
        switch ImageFormat.sniff(bytes) {
        case .jpeg:
            return try decodeJPEG(bytes, minimumSide: minimumSide ?? 0, limits: limits,
                                  fastScaledChroma: fastScaledChroma)
        case .png: return try decodePNG(bytes, limits: limits)
        case nil:
            // A strict prefix of a signature is a cut-off file, not another format.
            if ImageFormat.pngSignature.starts(with: bytes) { throw .truncated("PNG shorter than its signature") }
            if bytes == [0xFF, 0xD8] { throw .truncated("JPEG ends after its SOI marker") }
            throw .unsupportedFormat(ImageFormat.describe(bytes))
        }
    }

    /// Rejects a header size over the pixel limit, before allocation.
    static func checkPixels(_ w: Int, _ h: Int, _ limits: DecodeLimits, _ what: String) throws(ImagingError) {
        guard w > 0, h > 0 else { throw .corrupt("\(what) has a zero dimension (\(w)x\(h))") }
        guard w <= 65500, h <= 65500 else {
            throw .tooLarge("\(what) is \(w)x\(h); each side must be at most 65500")
        }
        guard w.multipliedReportingOverflow(by: h).partialValue <= limits.maxPixels else {
            throw .tooLarge("\(what) is \(w)x\(h) = \(w * h) pixels; the limit is \(limits.maxPixels)")
        }
    }

    /// Maps a CCodecs result code and message to an `ImagingError`.
    static func error(code: Int, message: String, format: String) -> ImagingError {
        switch code {
        case CCODECS_ERR_TRUNCATED: .truncated("truncated \(format): \(message)")
        case CCODECS_ERR_TOO_LARGE: .tooLarge("\(format): \(message)")
        case CCODECS_ERR_UNSUPPORTED: .unsupportedFeature("\(format): \(message)")
        case CCODECS_ERR_NOMEM: .tooLarge("\(format): out of memory while decoding (\(message))")
        case CCODECS_ERR_ARGUMENT: .internalFailure("\(format): \(message)")
        default: .corrupt("corrupt \(format): \(message)")
        }
    }
}

/// A NUL-terminated C message buffer of CCODECS_MSG_LEN bytes.
struct CMessage {
    var bytes = [CChar](repeating: 0, count: Int(CCODECS_MSG_LEN))

    var string: String {
        let raw = bytes.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
        return String(decoding: raw, as: UTF8.self)
    }
}
