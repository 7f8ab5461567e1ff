/// Turns a decoded image into the model's input tensor.
public enum Preprocess {
    /// ImageNet statistics the models are trained with.
    public static let imageNetMean: [Float] = [0.485, 0.456, 0.406]
    public static let imageNetStd: [Float] = [0.229, 0.224, 0.225]

    /// PIL-compatible bilinear antialiased resize to size×size (skipped when the image already
    /// is), then x/255, (x − mean[c]) / std[c], as CHW float32: `3 × size × size` values,
    /// channel planes R, G, B, each row-major. Float arithmetic matches numpy float32
    /// (`a * (1/255)`, then `(a − mean) / std`).
    public static func modelInput(_ image: RGBImage, size: Int, mean: [Float] = imageNetMean,
                                  std: [Float] = imageNetStd) -> [Float] {
        precondition(mean.count == 3 && std.count == 3, "mean/std need 3 values")
        let img = resize(image, width: size, height: size)
        // 256-entry table per channel: the normalisation of every possible byte.
        var lut = [Float](repeating: 0, count: 3 * 256)
        let inv: Float = Float(1.0 / 255.0)
        for c in 0..<3 {
            for v in 0..<256 { lut[c * 256 + v] = (Float(v) * inv - mean[c]) / std[c] }
        }
        let plane = size * size
        return [Float](unsafeUninitializedCapacity: 3 * plane) { out, initialized in
            img.pixels.withUnsafeBufferPointer { px in
                lut.withUnsafeBufferPointer { l in
                    for i in 0..<plane {
                        out[i] = l[Int(px[i * 3])]
                        out[plane + i] = l[256 + Int(px[i * 3 + 1])]
                        out[2 * plane + i] = l[512 + Int(px[i * 3 + 2])]
                    }
                }
            }
            initialized = 3 * plane
        }
    }

    /// PIL `Image.resize((width, height), Image.BILINEAR)` for RGB, bit-exact; returns the
    /// input unchanged when the size already matches.
    public static func resize(_ image: RGBImage, width: Int, height: Int) -> RGBImage {
        Resize.rgb(image, width: width, height: height)
    }
}
