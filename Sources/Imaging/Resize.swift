/// PIL-compatible BILINEAR resize of 8-bit RGB (Pillow's `ImagingResample`): a horizontal pass
/// over just the rows the vertical pass needs, rounded to 8 bits, then a vertical pass, both in
/// Pillow's 22-bit fixed point, so results match `Image.resize(size, BILINEAR)` bit for bit.
/// A pass is skipped when its axis keeps its size.
enum Resize {
    static func rgb(_ img: RGBImage, width: Int, height: Int) -> RGBImage {
        precondition(width > 0 && height > 0, "resize to \(width)x\(height)")
        if img.width == width && img.height == height { return img }
        let needH = width != img.width, needV = height != img.height
        let vc = ResampleCoefficients(inSize: img.height, outSize: height)
        var src = img.pixels
        var srcW = img.width
        var rowOffset = 0  // first source row held in `src`
        if needH {
            // Rows that the vertical pass reads (all of them when there is no vertical pass).
            let first = needV ? vc.start[0] : 0
            let last = needV ? vc.start[height - 1] + vc.count[height - 1] : img.height
            let hc = ResampleCoefficients(inSize: img.width, outSize: width)
            src = horizontal(img.pixels, width: img.width, rows: first..<last, coeffs: hc)
            srcW = width
            rowOffset = first
        }
        if needV {
            src = vertical(src, width: srcW, rowOffset: rowOffset, coeffs: vc)
        }
        return RGBImage(width: width, height: height, pixels: src)
    }

    /// Pillow's clip8 of a fixed-point sum (the sum already holds the rounding half).
    @inline(__always)
    static func clip8(_ v: Int32) -> UInt8 {
        let s = v >> ResampleCoefficients.precisionBits
        return s < 0 ? 0 : s > 255 ? 255 : UInt8(truncatingIfNeeded: s)
    }

    /// in: rows × inW × 3 (rows `rows` of a w-wide image); out: rows.count × outW × 3.
    static func horizontal(_ input: [UInt8], width inW: Int, rows: Range<Int>,
                           coeffs c: ResampleCoefficients) -> [UInt8] {
        let outW = c.outSize
        let n = rows.count * outW * 3
        return [UInt8](unsafeUninitializedCapacity: n) { out, initialized in
            input.withUnsafeBufferPointer { inp in
                for (r, y) in rows.enumerated() {
                    horizontalRow(inp.baseAddress! + y * inW * 3, out.baseAddress! + r * outW * 3, coeffs: c)
                }
            }
            initialized = n
        }
    }

    /// One row: `c.inSize` RGB pixels at `row` → `c.outSize` RGB pixels at `orow`.
    @inline(__always)
    static func horizontalRow(_ row: UnsafePointer<UInt8>, _ orow: UnsafeMutablePointer<UInt8>,
                              coeffs c: ResampleCoefficients) {
        let half: Int32 = 1 << (ResampleCoefficients.precisionBits - 1)
        let k = c.kernelSize
        c.fixed.withUnsafeBufferPointer { kk in
            c.start.withUnsafeBufferPointer { starts in
                c.count.withUnsafeBufferPointer { counts in
                    let kp = kk.baseAddress!
                    for xx in 0..<c.outSize {
                        var s0 = half, s1 = half, s2 = half
                        let w = kp + xx * k
                        var p = row + starts[xx] * 3
                        for x in 0..<counts[xx] {
                            let wx = w[x]
                            s0 &+= Int32(p[0]) &* wx
                            s1 &+= Int32(p[1]) &* wx
                            s2 &+= Int32(p[2]) &* wx
                            p += 3
                        }
                        orow[xx * 3] = clip8(s0)
                        orow[xx * 3 + 1] = clip8(s1)
                        orow[xx * 3 + 2] = clip8(s2)
                    }
                }
            }
        }
    }

    /// in: rows (starting at source row `rowOffset`) × width × 3; out: outH × width × 3.
    static func vertical(_ input: [UInt8], width: Int, rowOffset: Int,
                         coeffs c: ResampleCoefficients) -> [UInt8] {
        let outH = c.outSize, k = c.kernelSize, rowBytes = width * 3
        let n = outH * rowBytes
        let half: Int32 = 1 << (ResampleCoefficients.precisionBits - 1)
        return [UInt8](unsafeUninitializedCapacity: n) { out, initialized in
            input.withUnsafeBufferPointer { inp in
                c.fixed.withUnsafeBufferPointer { kk in
                    // One accumulator row: walking whole rows keeps memory access sequential.
                    var acc = [Int32](repeating: 0, count: rowBytes)
                    acc.withUnsafeMutableBufferPointer { a in
                        let ip = inp.baseAddress!, op = out.baseAddress!, ap = a.baseAddress!
                        for yy in 0..<outH {
                            for i in 0..<rowBytes { ap[i] = half }
                            let w = kk.baseAddress! + yy * k
                            let first = c.start[yy] - rowOffset
                            for y in 0..<c.count[yy] {
                                let wy = w[y]
                                let row = ip + (first + y) * rowBytes
                                for i in 0..<rowBytes { ap[i] &+= Int32(row[i]) &* wy }
                            }
                            let orow = op + yy * rowBytes
                            for i in 0..<rowBytes { orow[i] = clip8(ap[i]) }
                        }
                    }
                }
            }
            initialized = n
        }
    }
}
