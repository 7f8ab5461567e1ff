/// Per-output-pixel taps of PIL's BILINEAR ("triangle") resampling filter along one axis.
///
/// As Pillow's `precompute_coeffs` (libImaging/Resample.c): scale = in/out; the filter support
/// grows with the downscale factor (support = 1 × max(scale, 1)); output pixel i is centred at
/// (i + 0.5)·scale in the input; taps span [round(centre − support), round(centre + support))
/// clipped to the image; weights triangle((x − centre + 0.5)/max(scale,1)), normalised to sum 1.
/// `fixed` holds the same weights in Pillow's 22-bit fixed point for the 8-bit path.
struct ResampleCoefficients: Sendable {
    /// Pillow's PRECISION_BITS for 8-bit images: 32 − 8 − 2.
    static let precisionBits: Int32 = 22

    let inSize: Int
    let outSize: Int
    /// Taps per output pixel (row stride of `weights` / `fixed`).
    let kernelSize: Int
    /// First input index of each output pixel.
    let start: [Int]
    /// Number of taps of each output pixel.
    let count: [Int]
    /// Normalised weights, `outSize × kernelSize`, zero-padded.
    let weights: [Double]
    /// Weights × 2²², rounded half away from zero (as Pillow's normalize_coeffs_8bpc).
    let fixed: [Int32]

    init(inSize: Int, outSize: Int) {
        precondition(inSize > 0 && outSize > 0)
        self.inSize = inSize
        self.outSize = outSize
        let scale = Double(inSize) / Double(outSize)
        let filterScale = max(scale, 1.0)
        let support = 1.0 * filterScale
        let k = Int(support.rounded(.up)) * 2 + 1
        kernelSize = k
        var start = [Int](repeating: 0, count: outSize)
        var count = [Int](repeating: 0, count: outSize)
        var w = [Double](repeating: 0, count: outSize * k)
        var f = [Int32](repeating: 0, count: outSize * k)
        let ss = 1.0 / filterScale
        let one = Double(1 << Self.precisionBits)
        for xx in 0..<outSize {
            let center = (Double(xx) + 0.5) * scale
            // C's (int) cast truncates toward zero; both values are clamped below anyway.
            let xmin = max(Int((center - support + 0.5)), 0)
            let xmax = min(Int((center + support + 0.5)), inSize) - xmin
            var total = 0.0
            for x in 0..<max(xmax, 0) {
                let t = abs((Double(x + xmin) - center + 0.5) * ss)
                let v = t < 1.0 ? 1.0 - t : 0.0
                w[xx * k + x] = v
                total += v
            }
            for x in 0..<max(xmax, 0) {
                if total != 0 { w[xx * k + x] /= total }
                let p = w[xx * k + x] * one
                f[xx * k + x] = Int32(p < 0 ? (p - 0.5) : (p + 0.5))
            }
            start[xx] = xmin
            count[xx] = max(xmax, 0)
        }
        self.start = start
        self.count = count
        self.weights = w
        self.fixed = f
    }
}
