/// The Turbo colormap (Anton Mikhailov, Google AI Blog, "Turbo, An Improved Rainbow Colormap
/// for Visualization", 2019) as a 256-entry table, evaluated from the published polynomial
/// approximation by Ruofei Du (shadertoy.com/view/3lBXR3, 2019):
/// c(x) = k0 + k1·x + k2·x² + k3·x³ + k4·x⁴ + k5·x⁵ per channel, clamped to [0, 1], ×255 rounded.
public enum Colormap {
    static let red: [Double] = [0.13572138, 4.61539260, -42.66032258, 132.13108234, -152.94239396, 59.28637943]
    static let green: [Double] = [0.09140261, 2.19418839, 4.84296658, -14.18503333, 4.27729857, 2.82956604]
    static let blue: [Double] = [0.10667330, 12.64194608, -60.58204836, 110.36276771, -89.90310912, 27.34824973]

    /// 256 RGB triples (768 bytes): entry i is the colour of value i/255.
    public static let turbo: [UInt8] = {
        var t = [UInt8](repeating: 0, count: 768)
        for i in 0..<256 {
            let x = Double(i) / 255
            for (c, k) in [red, green, blue].enumerated() {
                var v = 0.0
                for p in k.reversed() { v = v * x + p }  // Horner
                t[i * 3 + c] = UInt8((min(max(v, 0), 1) * 255).rounded())
            }
        }
        return t
    }()

    /// Table index of a map value: values are clamped to [0, 1] (0 = normal, 1 = the
    /// normalisation's high quantile), then round(v × 255). NaN maps to 0.
    @inline(__always)
    public static func index(_ v: Float) -> UInt8 {
        let c = v > 0 ? (v < 1 ? v : 1) : 0  // NaN fails `v > 0` → 0
        return UInt8(truncatingIfNeeded: Int(c * 255 + 0.5))
    }
}
