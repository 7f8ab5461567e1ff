/// A decoded, upright image and the size it has at full resolution.
public struct DecodedImage: Sendable {
    /// The pixels, EXIF orientation applied; smaller than the original when the JPEG was
    /// DCT-scaled for `minimumSide`.
    public let image: RGBImage
    /// Full-resolution size after EXIF orientation, before DCT scaling (the size heatmaps are
    /// rendered at).
    public let originalWidth: Int
    public let originalHeight: Int
    public let format: ImageFormat
    /// EXIF orientation that was applied (1 = none; JPEG only).
    public let orientation: Int
    /// DCT scale used, as a numerator over 8 (8 = full size; PNG always 8).
    public let scaleNumerator: Int

    public init(image: RGBImage, originalWidth: Int, originalHeight: Int, format: ImageFormat,
                orientation: Int = 1, scaleNumerator: Int = 8) {
        self.image = image
        self.originalWidth = originalWidth
        self.originalHeight = originalHeight
        self.format = format
        self.orientation = orientation
        self.scaleNumerator = scaleNumerator
    }
}
