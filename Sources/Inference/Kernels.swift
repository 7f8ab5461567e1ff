/// Fast element-wise and resampling kernels on raw CHW buffers.
enum Kernels {
    /// AvgPool2d(2, 2) floor mode, C planes of h×w into C planes of (h/2)×(w/2).
    static func avgPool2(_ x: UnsafePointer<Float>, channels: Int, height h: Int, width w: Int,
                         into out: UnsafeMutablePointer<Float>) {
        let oh = h / 2, ow = w / 2
        for c in 0..<channels {
            let src = x + c * h * w, dst = out + c * oh * ow
            for y in 0..<oh {
                let r0 = src + 2 * y * w, r1 = r0 + w, d = dst + y * ow
                for i in 0..<ow { d[i] = (r0[2 * i] + r0[2 * i + 1] + r1[2 * i] + r1[2 * i + 1]) * 0.25 }
            }
        }
    }

    /// PyTorch nearest source index: min(floor(dst·in/out), in−1), computed in integers
    /// (exactly floor(dst·in/out) for the sizes used here).
    static func nearestIndex(_ d: Int, input: Int, output: Int) -> Int {
        min(d * input / output, input - 1)
    }

    /// Nearest resize of C planes h×w to oh×ow.
    static func nearest(_ x: UnsafePointer<Float>, channels: Int, height h: Int, width w: Int,
                        toHeight oh: Int, width ow: Int, into out: UnsafeMutablePointer<Float>) {
        // Column indices are shared by every row and channel.
        withUnsafeTemporaryAllocation(of: Int.self, capacity: ow) { cols in
            for x in 0..<ow { cols[x] = nearestIndex(x, input: w, output: ow) }
            for c in 0..<channels {
                let src = x + c * h * w, dst = out + c * oh * ow
                for y in 0..<oh {
                    let row = src + nearestIndex(y, input: h, output: oh) * w
                    let d = dst + y * ow
                    for i in 0..<ow { d[i] = row[cols[i]] }
                }
            }
        }
    }

    /// `out[p] = mean_c (a[c,p] − b[c,p])²` for `plane` pixels. Accumulates channel by channel
    /// so the inner loop is contiguous and vectorises.
    static func channelMeanSquaredDifference(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>,
                                             channels: Int, plane: Int, into out: UnsafeMutablePointer<Float>) {
        out.update(repeating: 0, count: plane)
        for c in 0..<channels {
            let pa = a + c * plane, pb = b + c * plane
            for i in 0..<plane {
                let d = pa[i] - pb[i]
                out[i] += d * d
            }
        }
        let inv = 1 / Float(channels)
        for i in 0..<plane { out[i] *= inv }
    }

    /// `x[c,p] ← (x[c,p] − mean[c]) / std[c]`.
    static func normalizeChannels(_ x: UnsafeMutablePointer<Float>, channels: Int, plane: Int,
                                  mean: UnsafePointer<Float>, std: UnsafePointer<Float>) {
        for c in 0..<channels {
            // Division, not multiplication by the inverse, to round like PyTorch.
            let p = x + c * plane, m = mean[c], s = std[c]
            for i in 0..<plane { p[i] = (p[i] - m) / s }
        }
    }

    /// Zero padding by `p` on each side of an h×w map.
    static func pad(_ m: UnsafePointer<Float>, height h: Int, width w: Int, by p: Int,
                    into out: UnsafeMutablePointer<Float>) {
        let ow = w + 2 * p
        out.update(repeating: 0, count: (h + 2 * p) * ow)
        for y in 0..<h { (out + (y + p) * ow + p).update(from: m + y * w, count: w) }
    }

    /// Bilinear resize (PyTorch `align_corners=False`, no antialias) of an h×w map to oh×ow,
    /// separably: rows first into `rowScratch` (h×ow), then columns.
    static func bilinear(_ m: UnsafePointer<Float>, height h: Int, width w: Int, toHeight oh: Int, width ow: Int,
                         rowScratch: UnsafeMutablePointer<Float>, into out: UnsafeMutablePointer<Float>) {
        func taps(_ d: Int, _ inSize: Int, _ outSize: Int) -> (Int, Int, Float) {
            let scale = Float(inSize) / Float(outSize)
            let s = max((Float(d) + 0.5) * scale - 0.5, 0)
            let i0 = min(Int(s), inSize - 1)
            return (i0, min(i0 + 1, inSize - 1), s - Float(i0))
        }
        for y in 0..<h {
            let src = m + y * w, dst = rowScratch + y * ow
            for x in 0..<ow {
                let (x0, x1, l) = taps(x, w, ow)
                dst[x] = (1 - l) * src[x0] + l * src[x1]
            }
        }
        for y in 0..<oh {
            let (y0, y1, l) = taps(y, h, oh)
            let a = rowScratch + y0 * ow, b = rowScratch + y1 * ow, d = out + y * ow
            for x in 0..<ow { d[x] = (1 - l) * a[x] + l * b[x] }
        }
    }
}
