import Foundation

/// Plain-loop reference implementations, written straight from the PyTorch definitions.
/// The fast kernels are tested against these; they are not used for serving.
enum Reference {
    /// Cross-correlation (PyTorch `conv2d`), stride 1, zero padding `padding`, optional bias
    /// and ReLU. `weight` is `[O, C, K, K]`.
    static func conv2d(_ x: Tensor, weight: [Float], bias: [Float]?, outChannels: Int, kernel k: Int,
                       padding p: Int = 0, relu: Bool = false) -> Tensor {
        let c = x.channels, h = x.height, w = x.width
        let ho = h + 2 * p - k + 1, wo = w + 2 * p - k + 1
        let out = Tensor(channels: outChannels, height: ho, width: wo)
        for o in 0..<outChannels {
            for y in 0..<ho {
                for xx in 0..<wo {
                    var acc: Double = Double(bias?[o] ?? 0)
                    for ci in 0..<c {
                        for i in 0..<k {
                            let sy = y + i - p
                            if sy < 0 || sy >= h { continue }
                            for j in 0..<k {
                                let sx = xx + j - p
                                if sx < 0 || sx >= w { continue }
                                acc += Double(weight[((o * c + ci) * k + i) * k + j]) * Double(x[ci, sy, sx])
                            }
                        }
                    }
                    out[o, y, xx] = relu ? Float(max(acc, 0)) : Float(acc)
                }
            }
        }
        return out
    }

    /// AvgPool2d(kernel 2, stride 2, padding 0, floor mode).
    static func avgPool2(_ x: Tensor) -> Tensor {
        let out = Tensor(channels: x.channels, height: x.height / 2, width: x.width / 2)
        for c in 0..<x.channels {
            for y in 0..<out.height {
                for xx in 0..<out.width {
                    out[c, y, xx] = (x[c, 2 * y, 2 * xx] + x[c, 2 * y, 2 * xx + 1]
                        + x[c, 2 * y + 1, 2 * xx] + x[c, 2 * y + 1, 2 * xx + 1]) / 4
                }
            }
        }
        return out
    }

    static func relu(_ x: Tensor) -> Tensor {
        let out = x.copy()
        for i in 0..<out.count { out.pointer[i] = max(out.pointer[i], 0) }
        return out
    }

    static func sigmoid(_ v: Double) -> Double { 1 / (1 + exp(-v)) }

    /// CBAM (channel then spatial attention), r = 16, no biases, as in docs/MODEL-SPEC.md.
    static func cbam(_ x: Tensor, mlp1: [Float], mlp2: [Float], spatial: [Float]) -> Tensor {
        let c = x.channels, hw = x.planeSize, r = c / 16
        func mlp(_ v: [Double]) -> [Double] {
            var hidden = [Double](repeating: 0, count: r)
            for i in 0..<r {
                var acc = 0.0
                for j in 0..<c { acc += Double(mlp1[i * c + j]) * v[j] }
                hidden[i] = max(acc, 0)
            }
            var out = [Double](repeating: 0, count: c)
            for j in 0..<c {
                var acc = 0.0
                for i in 0..<r { acc += Double(mlp2[j * r + i]) * hidden[i] }
                out[j] = acc
            }
            return out
        }
        var avg = [Double](repeating: 0, count: c), mx = [Double](repeating: -.infinity, count: c)
        for ch in 0..<c {
            for i in 0..<hw {
                let v = Double(x.pointer[ch * hw + i])
                avg[ch] += v
                mx[ch] = max(mx[ch], v)
            }
            avg[ch] /= Double(hw)
        }
        let ma = mlp(avg), mm = mlp(mx)
        let y = x.copy()
        for ch in 0..<c {
            let a = Float(sigmoid(ma[ch] + mm[ch]))
            for i in 0..<hw { y.pointer[ch * hw + i] *= a }
        }
        let stats = Tensor(channels: 2, height: x.height, width: x.width)
        for i in 0..<hw {
            var s = 0.0, m = -Double.infinity
            for ch in 0..<c {
                let v = Double(y.pointer[ch * hw + i])
                s += v
                m = max(m, v)
            }
            stats.pointer[i] = Float(s / Double(c))
            stats.pointer[hw + i] = Float(m)
        }
        let logits = conv2d(stats, weight: spatial, bias: nil, outChannels: 1, kernel: 7, padding: 3)
        for ch in 0..<c {
            for i in 0..<hw { y.pointer[ch * hw + i] *= Float(sigmoid(Double(logits.pointer[i]))) }
        }
        return y
    }

    /// `interpolate(mode="nearest")`: src = min(floor(dst·in/out), in−1).
    static func nearest(_ x: Tensor, height oh: Int, width ow: Int) -> Tensor {
        let out = Tensor(channels: x.channels, height: oh, width: ow)
        for c in 0..<x.channels {
            for y in 0..<oh {
                let sy = min(Int((Double(y) * Double(x.height) / Double(oh)).rounded(.down)), x.height - 1)
                for xx in 0..<ow {
                    let sx = min(Int((Double(xx) * Double(x.width) / Double(ow)).rounded(.down)), x.width - 1)
                    out[c, y, xx] = x[c, sy, sx]
                }
            }
        }
        return out
    }

    /// Per-pixel mean over channels of (a − b)².
    static func channelMeanSquaredDifference(_ a: Tensor, _ b: Tensor) -> [Float] {
        var out = [Float](repeating: 0, count: a.planeSize)
        for i in 0..<a.planeSize {
            var acc = 0.0
            for c in 0..<a.channels {
                let d = Double(a.pointer[c * a.planeSize + i]) - Double(b.pointer[c * b.planeSize + i])
                acc += d * d
            }
            out[i] = Float(acc / Double(a.channels))
        }
        return out
    }

    /// Zero padding of `p` on each side of an h×w map.
    static func pad(_ m: [Float], height h: Int, width w: Int, by p: Int) -> [Float] {
        let ow = w + 2 * p
        var out = [Float](repeating: 0, count: (h + 2 * p) * ow)
        for y in 0..<h { for x in 0..<w { out[(y + p) * ow + x + p] = m[y * w + x] } }
        return out
    }

    /// Bilinear resize, PyTorch `align_corners=False`, `antialias=False`.
    static func bilinear(_ m: [Float], height h: Int, width w: Int, toHeight oh: Int, width ow: Int) -> [Float] {
        var out = [Float](repeating: 0, count: oh * ow)
        func source(_ d: Int, _ inSize: Int, _ outSize: Int) -> (Int, Int, Double) {
            let s = max((Double(d) + 0.5) * Double(inSize) / Double(outSize) - 0.5, 0)
            let i0 = min(Int(s.rounded(.down)), inSize - 1)
            let i1 = min(i0 + 1, inSize - 1)
            return (i0, i1, s - Double(i0))
        }
        for y in 0..<oh {
            let (y0, y1, ly) = source(y, h, oh)
            for x in 0..<ow {
                let (x0, x1, lx) = source(x, w, ow)
                let top = (1 - lx) * Double(m[y0 * w + x0]) + lx * Double(m[y0 * w + x1])
                let bottom = (1 - lx) * Double(m[y1 * w + x0]) + lx * Double(m[y1 * w + x1])
                out[y * ow + x] = Float((1 - ly) * top + ly * bottom)
            }
        }
        return out
    }

    /// Reflect index (PyTorch `padding_mode="reflect"`: the edge is not repeated).
    static func reflect(_ i: Int, _ n: Int) -> Int {
        var i = i
        while i < 0 || i >= n { i = i < 0 ? -i : 2 * (n - 1) - i }
        return i
    }

    /// Gaussian blur with a full 2-D kernel (outer product of the normalised 1-D kernel) and
    /// reflect padding, as torchvision's `gaussian_blur`.
    static func gaussianBlur(_ m: [Float], height h: Int, width w: Int, sigma: Double, kernelSize ks: Int) -> [Float] {
        let k = GaussianBlur.kernel1D(sigma: sigma, size: ks).map(Double.init)
        let r = ks / 2
        var out = [Float](repeating: 0, count: h * w)
        for y in 0..<h {
            for x in 0..<w {
                var acc = 0.0
                for i in 0..<ks {
                    let sy = reflect(y + i - r, h)
                    for j in 0..<ks {
                        acc += k[i] * k[j] * Double(m[sy * w + reflect(x + j - r, w)])
                    }
                }
                out[y * w + x] = Float(acc)
            }
        }
        return out
    }
}
