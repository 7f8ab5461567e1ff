/// Why an image could not be decoded or encoded. Each case carries a message a client can act
/// on; `httpStatus` gives the status the service should answer with.
public enum ImagingError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Not JPEG or PNG; the payload names the detected format ("GIF", "WebP", …). → 415
    case unsupportedFormat(String)
    /// Zero bytes. → 422
    case empty
    /// Over a size, pixel-count or dimension limit. → 422
    case tooLarge(String)
    /// Malformed data: bad marker, bad Huffman code, CRC or zlib error, zero dimension. → 422
    case corrupt(String)
    /// The data ends before the image does. → 422
    case truncated(String)
    /// A JPEG/PNG variant this decoder does not handle (e.g. 12-bit JPEG). → 422
    case unsupportedFeature(String)
    /// PNG encoding failed. → 500
    case encodeFailed(String)
    /// A bug in this module (buffer size mismatch). → 500
    case internalFailure(String)

    /// True for the one case the service maps to 415 Unsupported Media Type.
    public var isUnsupportedMediaType: Bool {
        if case .unsupportedFormat = self { return true }
        return false
    }

    /// HTTP status for this error: 415, 422 or 500.
    public var httpStatus: Int {
        switch self {
        case .unsupportedFormat: 415
        case .empty, .tooLarge, .corrupt, .truncated, .unsupportedFeature: 422
        case .encodeFailed, .internalFailure: 500
        }
    }

    public var description: String {
        switch self {
        case .unsupportedFormat(let f): "unsupported image format: \(f); send JPEG or PNG"
        case .empty: "empty image body"
        case .tooLarge(let m): "image too large: \(m)"
        case .corrupt(let m): "corrupt image: \(m)"
        case .truncated(let m): "truncated image: \(m)"
        case .unsupportedFeature(let m): "unsupported image variant: \(m)"
        case .encodeFailed(let m): "PNG encode failed: \(m)"
        case .internalFailure(let m): "imaging internal error: \(m)"
        }
    }
}
