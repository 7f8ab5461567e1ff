import Foundation

/// Separable Gaussian blur with reflect padding (torchvision `gaussian_blur` semantics).
struct GaussianBlur: Sendable {
    let sigma: Double
    let size: Int
    let taps: [Float]

    /// The default anomaly-map blur: σ = 4, kernel 2·⌊4σ+0.5⌋+1 = 33.
    static let anomalyMap = GaussianBlur(sigma: 4, size: 33)

    init(sigma: Double, size: Int) {
        self.sigma = sigma
        self.size = size
        taps = Self.kernel1D(sigma: sigma, size: size)
    }

    /// torchvision's 1-D kernel: exp(−x²/2σ²) at x = −r…r, normalised to sum 1.
    static func kernel1D(sigma: Double, size: Int) -> [Float] {
        let r = Double(size / 2)
        let pdf = (0..<size).map { i -> Float in
            let x = Float(-r + Double(i))
            return expf(-0.5 * (x / Float(sigma)) * (x / Float(sigma)))
        }
        let sum = pdf.reduce(0, +)
        return pdf.map { $0 / sum }
    }

    /// Blurs an h×w map (both ≥ size/2 + 1 for reflect padding) into `out`.
    /// `scratch` needs (h + 2r)·w + max(h, w) + 2r floats.
    func apply(_ m: UnsafePointer<Float>, height h: Int, width w: Int,
               scratch: UnsafeMutablePointer<Float>, into out: UnsafeMutablePointer<Float>) {
        let r = size / 2
        precondition(h > r && w > r, "blur radius \(r) needs a map larger than \(r)×\(r), got \(h)×\(w)")
        let line = scratch + (h + 2 * r) * w
        let vert = scratch  // (h + 2r) × w after the horizontal pass, rows reflect-padded
        taps.withUnsafeBufferPointer { k in
            // Horizontal pass on each row into vert rows r..<r+h.
            for y in 0..<h {
                let src = m + y * w
                for i in 0..<(w + 2 * r) { line[i] = src[Reference.reflect(i - r, w)] }
                let dst = vert + (y + r) * w
                for x in 0..<w {
                    var acc: Float = 0
                    for t in 0..<size { acc += k[t] * line[x + t] }
                    dst[x] = acc
                }
            }
            // Reflect rows into the padding.
            for i in 0..<r {
                (vert + i * w).update(from: vert + (Reference.reflect(i - r, h) + r) * w, count: w)
                (vert + (h + r + i) * w).update(from: vert + (Reference.reflect(h + i, h) + r) * w, count: w)
            }
            // Vertical pass, row-oriented so the inner loop is contiguous.
            for y in 0..<h {
                let d = out + y * w
                d.update(repeating: 0, count: w)
                for t in 0..<size {
                    let s = vert + (y + t) * w, kt = k[t]
                    for x in 0..<w { d[x] += kt * s[x] }
                }
            }
        }
    }

    /// Scratch floats `apply` needs for an h×w map.
    func scratchCount(height h: Int, width w: Int) -> Int {
        let r = size / 2
        return (h + 2 * r) * w + max(h, w) + 2 * r
    }
}
