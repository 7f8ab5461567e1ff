/// Plain reference resizes: the same filter as `Resize`, written for clarity, in Double.
enum ReferenceResize {
    /// 8-bit RGB: each pass in Double, rounded to 8 bits between the passes as Pillow does.
    static func rgb(_ img: RGBImage, width: Int, height: Int) -> RGBImage {
        let hc = ResampleCoefficients(inSize: img.width, outSize: width)
        let vc = ResampleCoefficients(inSize: img.height, outSize: height)
        var tmp = [UInt8](repeating: 0, count: width * img.height * 3)
        for y in 0..<img.height {
            for x in 0..<width {
                for ch in 0..<3 {
                    var s = 0.0
                    for t in 0..<hc.count[x] {
                        s += hc.weights[x * hc.kernelSize + t] * Double(img.pixels[(y * img.width + hc.start[x] + t) * 3 + ch])
                    }
                    tmp[(y * width + x) * 3 + ch] = UInt8(max(0, min(255, s.rounded())))
                }
            }
        }
        var out = [UInt8](repeating: 0, count: width * height * 3)
        for y in 0..<height {
            for x in 0..<width {
                for ch in 0..<3 {
                    var s = 0.0
                    for t in 0..<vc.count[y] {
                        s += vc.weights[y * vc.kernelSize + t] * Double(tmp[((vc.start[y] + t) * width + x) * 3 + ch])
                    }
                    out[(y * width + x) * 3 + ch] = UInt8(max(0, min(255, s.rounded())))
                }
            }
        }
        return RGBImage(width: width, height: height, pixels: out)
    }

    /// Single-channel Float map, no rounding.
    static func float(_ m: [Float], width: Int, height: Int, toWidth ow: Int, toHeight oh: Int) -> [Float] {
        let hc = ResampleCoefficients(inSize: width, outSize: ow)
        let vc = ResampleCoefficients(inSize: height, outSize: oh)
        var out = [Float](repeating: 0, count: ow * oh)
        for y in 0..<oh {
            for x in 0..<ow {
                var s = 0.0
                for ty in 0..<vc.count[y] {
                    var r = 0.0
                    for tx in 0..<hc.count[x] {
                        r += hc.weights[x * hc.kernelSize + tx] * Double(m[(vc.start[y] + ty) * width + hc.start[x] + tx])
                    }
                    s += vc.weights[y * vc.kernelSize + ty] * r
                }
                out[y * ow + x] = Float(s)
            }
        }
        return out
    }
}
