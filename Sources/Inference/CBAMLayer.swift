import Foundation

/// CBAM attention (channel MLP over avg+max pooling, then 7×7 spatial attention), r = 16,
/// no biases, applied in place.
struct CBAMLayer: @unchecked Sendable {
    let channels: Int
    let hidden: Int
    /// `[hidden, C]`
    let mlp1: [Float]
    /// `[C, hidden]`
    let mlp2: [Float]
    /// `[2, 7, 7]` (input channels: mean, max)
    let spatial: [Float]

    init(channels: Int, mlp1: [Float], mlp2: [Float], spatial: [Float]) {
        precondition(channels % 16 == 0)
        self.channels = channels
        hidden = channels / 16
        precondition(mlp1.count == hidden * channels && mlp2.count == channels * hidden && spatial.count == 98)
        self.mlp1 = mlp1
        self.mlp2 = mlp2
        self.spatial = spatial
    }

    /// Floats of scratch `apply` needs for an h×w input.
    func scratchCount(height h: Int, width w: Int) -> Int { 3 * h * w + 4 * channels + 2 * hidden }

    @inline(__always) static func sigmoid(_ v: Float) -> Float { 1 / (1 + expf(-v)) }

    /// Applies CBAM to `x` (C×h×w) in place.
    /// `afterChannel` sees x after the channel attention (for parity intermediates).
    func apply(_ x: UnsafeMutablePointer<Float>, height h: Int, width w: Int, scratch: UnsafeMutablePointer<Float>,
               afterChannel: ((UnsafePointer<Float>) -> Void)? = nil) {
        let hw = h * w, c = channels
        let sum = scratch, mx = scratch + hw, logits = scratch + 2 * hw
        let avgC = scratch + 3 * hw, maxC = avgC + c, att = maxC + c, tmp = att + c
        // Channel attention.
        for ch in 0..<c {
            let p = x + ch * hw
            var s: Float = 0, m = -Float.infinity
            for i in 0..<hw { s += p[i]; m = max(m, p[i]) }
            avgC[ch] = s / Float(hw)
            maxC[ch] = m
        }
        mlp(avgC, into: att, hidden: tmp)
        mlp(maxC, into: tmp + hidden, hidden: tmp)
        for ch in 0..<c { att[ch] = Self.sigmoid(att[ch] + (tmp + hidden)[ch]) }
        // Scale by the channel attention while gathering the spatial statistics in one pass.
        for ch in 0..<c {
            let p = x + ch * hw, a = att[ch]
            if ch == 0 {
                for i in 0..<hw { let v = p[i] * a; p[i] = v; sum[i] = v; mx[i] = v }
            } else {
                for i in 0..<hw { let v = p[i] * a; p[i] = v; sum[i] += v; mx[i] = max(mx[i], v) }
            }
        }
        afterChannel?(x)
        let inv = 1 / Float(c)
        for i in 0..<hw { sum[i] *= inv }
        // 7×7 conv, padding 3, over [mean; max] → sigmoid.
        spatial.withUnsafeBufferPointer { k in
            for y in 0..<h {
                for xx in 0..<w {
                    var acc: Float = 0
                    for plane in 0..<2 {
                        let src = plane == 0 ? sum : mx
                        for i in 0..<7 {
                            let sy = y + i - 3
                            if sy < 0 || sy >= h { continue }
                            let row = src + sy * w, kr = k.baseAddress! + (plane * 7 + i) * 7
                            for j in 0..<7 {
                                let sx = xx + j - 3
                                if sx >= 0 && sx < w { acc += kr[j] * row[sx] }
                            }
                        }
                    }
                    logits[y * w + xx] = Self.sigmoid(acc)
                }
            }
        }
        for ch in 0..<c {
            let p = x + ch * hw
            for i in 0..<hw { p[i] *= logits[i] }
        }
    }

    /// mlp2(relu(mlp1(v))) for a C-vector.
    private func mlp(_ v: UnsafePointer<Float>, into out: UnsafeMutablePointer<Float>, hidden hbuf: UnsafeMutablePointer<Float>) {
        mlp1.withUnsafeBufferPointer { w1 in
            for i in 0..<hidden {
                var acc: Float = 0
                for j in 0..<channels { acc += w1[i * channels + j] * v[j] }
                hbuf[i] = max(acc, 0)
            }
        }
        mlp2.withUnsafeBufferPointer { w2 in
            for j in 0..<channels {
                var acc: Float = 0
                for i in 0..<hidden { acc += w2[j * hidden + i] * hbuf[i] }
                out[j] = acc
            }
        }
    }
}
