/// Float resize of a single-channel map with PIL's triangle filter (Pillow mode "F"): a
/// horizontal then a vertical pass, no rounding. Upscaling is plain centre-aligned bilinear.
enum MapResize {
    /// in: height × width, row-major; out: toHeight × toWidth.
    static func float(_ m: [Float], width: Int, height: Int, toWidth ow: Int, toHeight oh: Int) -> [Float] {
        precondition(m.count == width * height && ow > 0 && oh > 0, "map \(m.count) for \(width)x\(height)")
        if width == ow && height == oh { return m }
        if width != ow && height != oh {
            return float(float(m, width: width, height: height, toWidth: ow, toHeight: height),
                         width: ow, height: height, toWidth: ow, toHeight: oh)
        }
        let hc = ResampleCoefficients(inSize: width, outSize: ow)
        let vc = ResampleCoefficients(inSize: height, outSize: oh)
        // One axis per call (the two-axis case above chains two calls).
        if height == oh { return horizontal(m, width: width, height: height, coeffs: hc) }
        return vertical(m, width: width, coeffs: vc)
    }

    /// Horizontal pass: height × width → height × c.outSize.
    static func horizontal(_ m: [Float], width: Int, height: Int, coeffs hc: ResampleCoefficients) -> [Float] {
        let ow = hc.outSize
        let hw = hc.weights.map { Float($0) }
        var tmp = [Float](repeating: 0, count: height * ow)
        m.withUnsafeBufferPointer { src in
            tmp.withUnsafeMutableBufferPointer { t in
                for y in 0..<height {
                    let row = y * width
                    for x in 0..<ow {
                        var s: Float = 0
                        let k = x * hc.kernelSize, s0 = row + hc.start[x]
                        for i in 0..<hc.count[x] { s += hw[k + i] * src[s0 + i] }
                        t[y * ow + x] = s
                    }
                }
            }
        }
        return tmp
    }

    /// Vertical pass: rows of `width` → c.outSize rows, accumulating whole rows.
    static func vertical(_ tmp: [Float], width ow: Int, coeffs vc: ResampleCoefficients) -> [Float] {
        let oh = vc.outSize
        let vw = vc.weights.map { Float($0) }
        var out = [Float](repeating: 0, count: oh * ow)
        tmp.withUnsafeBufferPointer { t in
            out.withUnsafeMutableBufferPointer { o in
                for y in 0..<oh {
                    let orow = y * ow, k = y * vc.kernelSize
                    for i in 0..<vc.count[y] {
                        let wgt = vw[k + i], r = (vc.start[y] + i) * ow
                        for x in 0..<ow { o[orow + x] += wgt * t[r + x] }
                    }
                }
            }
        }
        return out
    }

    /// How `bytes` turns a map value into a byte.
    enum Quantiser {
        /// `Colormap.index`: clamp to [0, 1], round(v × 255).
        case colormapIndex
        /// 1 where v ≥ threshold, else 0.
        case threshold(Float)
    }

    /// Resize fused with quantisation: each output row is blended from the horizontally
    /// resampled rows into a one-row Float buffer and quantised at once, so the full-size Float
    /// map is never stored. Same bytes as quantising `float(...)`.
    static func bytes(_ m: [Float], width: Int, height: Int, toWidth ow: Int, toHeight oh: Int,
                      _ q: Quantiser) -> [UInt8] {
        precondition(m.count == width * height && ow > 0 && oh > 0, "map \(m.count) for \(width)x\(height)")
        let tmp = width == ow ? m : float(m, width: width, height: height, toWidth: ow, toHeight: height)
        let vc = height == oh ? nil : ResampleCoefficients(inSize: height, outSize: oh)
        let vw = vc?.weights.map { Float($0) } ?? []
        var row = [Float](repeating: 0, count: ow)
        return [UInt8](unsafeUninitializedCapacity: ow * oh) { out, initialized in
            tmp.withUnsafeBufferPointer { t in
                row.withUnsafeMutableBufferPointer { rb in
                    let r = rb.baseAddress!
                    for y in 0..<oh {
                        let src: UnsafePointer<Float>
                        if let vc {
                            let k = y * vc.kernelSize
                            for x in 0..<ow { r[x] = 0 }
                            for i in 0..<vc.count[y] {
                                let wgt = vw[k + i], s = t.baseAddress! + (vc.start[y] + i) * ow
                                for x in 0..<ow { r[x] += wgt * s[x] }
                            }
                            src = UnsafePointer(r)
                        } else {
                            src = t.baseAddress! + y * ow
                        }
                        let o = out.baseAddress! + y * ow
                        switch q {
                        case .colormapIndex:
                            for x in 0..<ow { o[x] = Colormap.index(src[x]) }
                        case .threshold(let th):
                            for x in 0..<ow { o[x] = src[x] >= th ? 1 : 0 }
                        }
                    }
                }
            }
            initialized = ow * oh
        }
    }
}
