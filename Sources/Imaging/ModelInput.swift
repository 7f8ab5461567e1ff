import CCodecs

/// The model's input tensor straight from encoded bytes, with what the response reports.
public struct ModelInput: Sendable {
    /// CHW float32, `3 × size × size` (see `Preprocess.modelInput`).
    public let tensor: [Float]
    public let size: Int
    /// Full-resolution size after EXIF orientation (heatmaps are rendered at it).
    public let originalWidth: Int
    public let originalHeight: Int
    public let format: ImageFormat
    /// The decoded image the tensor came from, when asked for (overlay heatmaps need it): a
    /// DCT-scaled JPEG is smaller than the original.
    public let image: RGBImage?
}

extension Preprocess {
    /// Decode → resize to size×size → normalise, by the fastest route: JPEG is DCT-scaled to the
    /// smallest size ≥ `size`; a PNG (when `keepImage` is false) is resized row by row as it
    /// decodes, never held at full size. Results equal `modelInput(decode(bytes).image, …)`
    /// except for the JPEG DCT scaling.
    public static func decodeModelInput(_ bytes: [UInt8], size: Int, mean: [Float] = imageNetMean,
                                        std: [Float] = imageNetStd, limits: DecodeLimits = .init(),
                                        keepImage: Bool = false) throws(ImagingError) -> ModelInput {
        if !keepImage, !bytes.isEmpty, bytes.count <= limits.maxBytes, ImageFormat.sniff(bytes) == .png {
            let (img, w, h) = try streamPNG(bytes, size: size, limits: limits)
            return ModelInput(tensor: modelInput(img, size: size, mean: mean, std: std), size: size,
                              originalWidth: w, originalHeight: h, format: .png, image: nil)
        }
        let d = try ImageDecoder.decode(bytes, minimumSide: size, limits: limits)
        return ModelInput(tensor: modelInput(d.image, size: size, mean: mean, std: std), size: size,
                          originalWidth: d.originalWidth, originalHeight: d.originalHeight,
                          format: d.format, image: keepImage ? d.image : nil)
    }

    /// PNG decoded straight into a `StreamingResize`.
    static func streamPNG(_ bytes: [UInt8], size: Int,
                          limits: DecodeLimits) throws(ImagingError) -> (RGBImage, Int, Int) {
        var msg = CMessage()
        var info = ccodecs_png_info()
        var handle: OpaquePointer?
        return try bytes.withUnsafeBufferPointer { buf -> Result<(RGBImage, Int, Int), ImagingError> in
            let rc = Int(ccodecs_png_open(buf.baseAddress, buf.count, &handle, &info, &msg.bytes))
            guard rc == CCODECS_OK, let h = handle else {
                return .failure(ImageDecoder.error(code: rc, message: msg.string, format: "PNG"))
            }
            defer { ccodecs_png_close(h) }
            let w = Int(info.width), ht = Int(info.height)
            do throws(ImagingError) { try ImageDecoder.checkPixels(w, ht, limits, "PNG image") } catch {
                return .failure(error)
            }
            let sink = StreamingResize(inWidth: w, inHeight: ht, outWidth: size, outHeight: size)
            let bg = ImageDecoder.alphaBackground
            let bgBytes: [UInt8] = [bg.0, bg.1, bg.2]
            let ctx = Unmanaged.passUnretained(sink).toOpaque()
            let readRC = withExtendedLifetime(sink) {
                Int(ccodecs_png_read_rows(h, bgBytes, { ctx, y, row in
                    guard let ctx, let row else { return }
                    Unmanaged<StreamingResize>.fromOpaque(ctx).takeUnretainedValue().push(row: Int(y), row)
                }, ctx, &msg.bytes))
            }
            guard readRC == CCODECS_OK else {
                return .failure(ImageDecoder.error(code: readRC, message: msg.string, format: "PNG"))
            }
            return .success((sink.finish(), w, ht))
        }.get()
    }
}
