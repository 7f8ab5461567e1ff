/// Applies an EXIF orientation (1…8) so the image is upright, as PIL's `ImageOps.exif_transpose`.
enum Orientation {
    /// For each orientation, the source pixel of output (ox, oy) in a w×h source:
    /// 2 mirror, 3 rotate 180, 4 flip, 5 transpose, 6 rotate 90° clockwise, 7 transverse,
    /// 8 rotate 90° counter-clockwise. 5…8 swap width and height.
    static func apply(_ o: Int, to img: RGBImage) -> RGBImage {
        guard (2...8).contains(o) else { return img }
        let w = img.width, h = img.height
        let ow = o >= 5 ? h : w, oh = o >= 5 ? w : h
        var out = [UInt8](repeating: 0, count: ow * oh * 3)
        img.pixels.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                for oy in 0..<oh {
                    // Source of (ox, oy) = s0 + ox * step, in pixels.
                    let s0: Int, step: Int
                    switch o {
                    case 2: s0 = oy * w + (w - 1); step = -1
                    case 3: s0 = (h - 1 - oy) * w + (w - 1); step = -1
                    case 4: s0 = (h - 1 - oy) * w; step = 1
                    case 5: s0 = oy; step = w
                    case 6: s0 = (h - 1) * w + oy; step = -w
                    case 7: s0 = (h - 1) * w + (w - 1 - oy); step = -w
                    default: s0 = w - 1 - oy; step = w  // 8
                    }
                    var s = s0 * 3
                    var d = oy * ow * 3
                    let st = step * 3
                    for _ in 0..<ow {
                        dst[d] = src[s]; dst[d + 1] = src[s + 1]; dst[d + 2] = src[s + 2]
                        s += st
                        d += 3
                    }
                }
            }
        }
        return RGBImage(width: ow, height: oh, pixels: out)
    }
}
