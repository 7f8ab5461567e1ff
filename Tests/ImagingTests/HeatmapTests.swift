import Testing
@testable import Imaging

@Suite struct HeatmapTests {
    @Test func turboTableEndpoints() {
        let t = Colormap.turbo
        #expect(t.count == 768)
        // Dark at 0, blue at 40/255, green in the middle, dark red at 1 (Turbo's shape).
        #expect(Int(t[0]) + Int(t[1]) + Int(t[2]) < 120)
        #expect(t[40 * 3 + 2] > 200 && t[40 * 3] < 100)
        let mid = 128 * 3
        #expect(t[mid + 1] > 200)
        #expect(t[765] > t[766] && t[765] > t[767])
        #expect(Colormap.index(-1) == 0 && Colormap.index(.nan) == 0)
        #expect(Colormap.index(2) == 255 && Colormap.index(0.5) == 128)
    }

    @Test func maskAndSizing() {
        let map: [Float] = [0, 1, 1, 0]  // 2×2
        let img = Heatmap.render(map: map, mapWidth: 2, mapHeight: 2, mode: .mask, threshold: 0.5,
                                 background: nil, outputWidth: 2, outputHeight: 2)
        #expect(img.pixels == [0, 0, 0, 255, 255, 255, 255, 255, 255, 0, 0, 0])
        #expect(Heatmap.outputSize(width: 4000, height: 3000, maxSide: 1000) == (1000, 750))
        #expect(Heatmap.outputSize(width: 400, height: 300, maxSide: 1000) == (400, 300))
        let big = Heatmap.render(map: map, mapWidth: 2, mapHeight: 2, mode: .png, threshold: 0.5,
                                 background: nil, outputWidth: 640, outputHeight: 480, maxSide: 320)
        #expect(big.width == 320 && big.height == 240)
    }

    @Test func overlayBlendsByValue() {
        let bg = RGBImage(width: 2, height: 1, pixels: [100, 100, 100, 100, 100, 100])
        let img = Heatmap.render(map: [0, 1], mapWidth: 2, mapHeight: 1, mode: .overlay, threshold: 0.5,
                                 background: bg, outputWidth: 2, outputHeight: 1)
        #expect(Array(img.pixels[0..<3]) == [100, 100, 100])  // value 0: photo unchanged
        let a = Heatmap.overlayAlpha, t = Colormap.turbo
        let expectR = UInt8(Float(100) * (1 - a) + Float(t[765]) * a + 0.5)
        #expect(img.pixels[3] == expectR)
    }

    @Test func renderPNGRoundTrips() throws {
        let w = 33, h = 20
        let map = (0..<(w * h)).map { Float($0 % w) / Float(w - 1) }
        let png = try Heatmap.renderPNG(map: map, mapWidth: w, mapHeight: h, mode: .png, threshold: 0.5,
                                        background: nil, outputWidth: w, outputHeight: h)
        let back = try ImageDecoder.decode(png).image
        let direct = Heatmap.render(map: map, mapWidth: w, mapHeight: h, mode: .png, threshold: 0.5,
                                    background: nil, outputWidth: w, outputHeight: h)
        #expect(back == direct)
        let mask = try Heatmap.renderPNG(map: map, mapWidth: w, mapHeight: h, mode: .mask, threshold: 0.5,
                                         background: nil, outputWidth: w, outputHeight: h)
        let m = try ImageDecoder.decode(mask).image
        #expect(m == Heatmap.render(map: map, mapWidth: w, mapHeight: h, mode: .mask, threshold: 0.5,
                                    background: nil, outputWidth: w, outputHeight: h))
    }
}
