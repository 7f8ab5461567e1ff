/// Limits checked before the decoder allocates anything proportional to the image.
public struct DecodeLimits: Sendable, Equatable {
    /// Largest accepted compressed size in bytes.
    public var maxBytes: Int = 64 << 20
    /// Largest accepted width × height, read from the file header (before DCT scaling).
    public var maxPixels: Int = 50_000_000

    public init() {}

    public init(maxBytes: Int, maxPixels: Int) {
        self.maxBytes = maxBytes
        self.maxPixels = maxPixels
    }
}
