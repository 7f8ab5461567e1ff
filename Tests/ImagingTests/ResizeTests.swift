import Testing
@testable import Imaging

@Suite struct ResizeTests {
    /// PIL parity: ≤ 1/255 per value (the fixed-point path is expected to be bit-exact).
    @Test(arguments: Fixtures.manifest.resize)
    func matchesPillowBilinear(_ c: Fixtures.ResizeCase) throws {
        let src = try Fixtures.png(c.source)
        let golden = try Fixtures.png(c.golden)
        let out = Preprocess.resize(src, width: c.width, height: c.height)
        let d = Fixtures.maxDiff(out, golden)
        #expect(d <= 1, "\(c.golden): max diff \(d)")
    }

    @Test func fastMatchesReference() throws {
        let src = try Fixtures.png("resize_src_b.png")
        for (w, h) in [(256, 256), (40, 30), (97, 20), (13, 61), (200, 61)] {
            let fast = Resize.rgb(src, width: w, height: h)
            let ref = ReferenceResize.rgb(src, width: w, height: h)
            #expect(Fixtures.maxDiff(fast, ref) <= 1, "\(w)x\(h)")
        }
    }

    @Test func sameSizeIsIdentity() throws {
        let src = try Fixtures.png("png_rgb8.png")
        #expect(Preprocess.resize(src, width: src.width, height: src.height) == src)
    }

    @Test func modelInputMatchesNumpyGolden() throws {
        let mi = Fixtures.manifest.model_input
        let src = try Fixtures.png(mi.source)
        let out = Preprocess.modelInput(src, size: mi.size, mean: Preprocess.imageNetMean, std: Preprocess.imageNetStd)
        let raw = Fixtures.bytes(mi.file)
        try #require(raw.count == out.count * 4)
        var worst: Float = 0
        for i in 0..<out.count {
            let bits = UInt32(raw[4 * i]) | UInt32(raw[4 * i + 1]) << 8 | UInt32(raw[4 * i + 2]) << 16 | UInt32(raw[4 * i + 3]) << 24
            worst = max(worst, abs(Float(bitPattern: bits) - out[i]))
        }
        // One 8-bit step is 1/255/std ≈ 0.0175; identical pixels give ~1e-7.
        #expect(worst < 1e-5, "max abs diff \(worst)")
    }

    @Test func mapResizeMatchesReference() {
        let w = 17, h = 9
        let m = (0..<(w * h)).map { Float(($0 * 37) % 101) / 100 }
        for (ow, oh) in [(64, 40), (5, 3), (17, 30)] {
            let fast = MapResize.float(m, width: w, height: h, toWidth: ow, toHeight: oh)
            let ref = ReferenceResize.float(m, width: w, height: h, toWidth: ow, toHeight: oh)
            #expect(zip(fast, ref).allSatisfy { abs($0 - $1) < 1e-5 }, "\(ow)x\(oh)")
        }
    }
}

@Suite struct DecodeModelInputTests {
    /// The streaming PNG path gives exactly the tensor of decode → resize → normalise.
    @Test(arguments: ["resize_src_a.png", "png_rgba8.png", "png_rgba8_adam7.png", "png_gray16.png", "png_palette8_trns.png"])
    func streamingPNGEqualsTwoStep(_ name: String) throws {
        let bytes = Fixtures.bytes(name)
        for size in [16, 64] {
            let fast = try Preprocess.decodeModelInput(bytes, size: size)
            let d = try ImageDecoder.decode(bytes)
            #expect(fast.tensor == Preprocess.modelInput(d.image, size: size))
            #expect(fast.originalWidth == d.originalWidth && fast.originalHeight == d.originalHeight)
            #expect(fast.image == nil)
        }
        #expect(try Preprocess.decodeModelInput(bytes, size: 16, keepImage: true).image != nil)
    }

    @Test func streamingPNGReportsErrors() {
        for (name, kind) in [("png_truncated_half.png", "truncated"), ("png_bomb_20000.png", "tooLarge"),
                             ("png_bad_idat_crc.png", "corrupt"), ("other_gif.gif", "unsupportedFormat")] {
            do {
                _ = try Preprocess.decodeModelInput(Fixtures.bytes(name), size: 32)
                Issue.record("\(name) decoded")
            } catch {
                #expect(error.caseName == kind, "\(name): \(error)")
            }
        }
    }

    @Test func jpegUsesDCTScaling() throws {
        let r = try Preprocess.decodeModelInput(Fixtures.bytes("jpeg_1024x768.jpg"), size: 256, keepImage: true)
        #expect(r.image?.width == 384 && r.originalWidth == 1024 && r.tensor.count == 3 * 256 * 256)
    }
}

@Suite struct MapResizeTests {
    @Test func fusedQuantisationEqualsTwoStep() {
        let w = 23, h = 11
        let m = (0..<(w * h)).map { Float(($0 * 53) % 97) / 80 - 0.1 }
        for (ow, oh) in [(64, 40), (23, 30), (50, 11), (7, 5)] {
            let fused = MapResize.bytes(m, width: w, height: h, toWidth: ow, toHeight: oh, .colormapIndex)
            let mask = MapResize.bytes(m, width: w, height: h, toWidth: ow, toHeight: oh, .threshold(0.4))
            #expect(mask == MapResize.float(m, width: w, height: h, toWidth: ow, toHeight: oh).map { $0 >= 0.4 ? 1 : 0 })
            let twoStep = MapResize.float(m, width: w, height: h, toWidth: ow, toHeight: oh).map(Colormap.index)
            #expect(fused == twoStep, "\(ow)x\(oh)")
        }
    }
}
