/// Float resize of a single-channel map with PIL's triangle filter (Pillow mode "F"): a
/// horizontal then a vertical pass, no rounding. Upscaling is plain centre-aligned bilinear.
enum MapResize {
    /// in: height × width, row-major; out: toHeight × toWidth.
    static func float(_ m: [Float], width: Int, height: Int, toWidth ow: Int, toHeight oh: Int) -> [Float] {
        precondition(m.count == width * height && ow > 0 && oh > 0, "map \(m.count) for \(width)x\(height)")
        if width == ow && height == oh { return m }
        let hc = ResampleCoefficients(inSize: width, outSize: ow)
        let vc = ResampleCoefficients(inSize: height, outSize: oh)
        let hw = hc.weights.map { Float($0) }, vw = vc.weights.map { Float($0) }
        // Horizontal: height × ow.
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
        // Vertical: oh × ow, accumulating whole rows.
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

    /// Resize fused with quantisation: each output row is blended from the horizontally
    /// resampled rows into a one-row Float buffer and turned into bytes by `quantise`, so the
    /// full-size Float map is never stored. Same values as `quantise(float(...)[i])`.
    static func bytes(_ m: [Float], width: Int, height: Int, toWidth ow: Int, toHeight oh: Int,
                      _ quantise: (Float) -> UInt8) -> [UInt8] {
        precondition(m.count == width * height && ow > 0 && oh > 0, "map \(m.count) for \(width)x\(height)")
        let tmp = width == ow ? m : float(m, width: width, height: height, toWidth: ow, toHeight: height)
        if height == oh { return tmp.map(quantise) }
        let vc = ResampleCoefficients(inSize: height, outSize: oh)
        let vw = vc.weights.map { Float($0) }
        var row = [Float](repeating: 0, count: ow)
        return [UInt8](unsafeUninitializedCapacity: ow * oh) { out, initialized in
            tmp.withUnsafeBufferPointer { t in
                row.withUnsafeMutableBufferPointer { r in
                    for y in 0..<oh {
                        let k = y * vc.kernelSize
                        for x in 0..<ow { r[x] = 0 }
                        for i in 0..<vc.count[y] {
                            let wgt = vw[k + i], src = t.baseAddress! + (vc.start[y] + i) * ow
                            for x in 0..<ow { r[x] += wgt * src[x] }
                        }
                        let o = out.baseAddress! + y * ow
                        for x in 0..<ow { o[x] = quantise(r[x]) }
                    }
                }
            }
            initialized = ow * oh
        }
    }
}
