/// Resizes rows as a decoder produces them, so a large PNG is never held whole: each row is
/// resampled horizontally while still in cache, into a `rows × outW` strip, and the vertical
/// pass runs at the end. Same arithmetic (and output) as `Resize.rgb`.
final class StreamingResize {
    let inW: Int, inH: Int, outW: Int, outH: Int
    let hc: ResampleCoefficients, vc: ResampleCoefficients
    /// Source rows the vertical pass reads.
    let first: Int, last: Int
    /// Horizontally resampled rows first..<last, `outW × 3` bytes each.
    var strip: [UInt8]

    init(inWidth: Int, inHeight: Int, outWidth: Int, outHeight: Int) {
        inW = inWidth; inH = inHeight; outW = outWidth; outH = outHeight
        hc = ResampleCoefficients(inSize: inWidth, outSize: outWidth)
        vc = ResampleCoefficients(inSize: inHeight, outSize: outHeight)
        let needV = outHeight != inHeight
        first = needV ? vc.start[0] : 0
        last = needV ? vc.start[outHeight - 1] + vc.count[outHeight - 1] : inHeight
        strip = [UInt8](repeating: 0, count: (last - first) * outWidth * 3)
    }

    /// Takes source row `y` (`inW × 3` bytes).
    func push(row y: Int, _ rgb: UnsafePointer<UInt8>) {
        guard y >= first && y < last else { return }
        let rowBytes = outW * 3
        strip.withUnsafeMutableBufferPointer { s in
            let dst = s.baseAddress! + (y - first) * rowBytes
            if outW == inW {
                dst.update(from: rgb, count: rowBytes)
            } else {
                Resize.horizontalRow(rgb, dst, coeffs: hc)
            }
        }
    }

    /// The resized image, once every row was pushed.
    func finish() -> RGBImage {
        if outH == inH { return RGBImage(width: outW, height: outH, pixels: strip) }
        let px = Resize.vertical(strip, width: outW, rowOffset: first, coeffs: vc)
        return RGBImage(width: outW, height: outH, pixels: px)
    }
}
