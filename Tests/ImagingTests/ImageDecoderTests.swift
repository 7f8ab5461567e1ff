import Testing
@testable import Imaging

@Suite struct ImageDecoderTests {
    @Test func limitsAreCheckedBeforeDecoding() {
        let data = Fixtures.bytes("jpeg_baseline_420.jpg")  // 64×48
        var lim = DecodeLimits()
        lim.maxBytes = data.count - 1
        #expect(throws: ImagingError.self) { try ImageDecoder.decode(data, limits: lim) }
        lim = DecodeLimits(maxBytes: 1 << 20, maxPixels: 64 * 48 - 1)
        do {
            _ = try ImageDecoder.decode(data, limits: lim)
            Issue.record("expected tooLarge")
        } catch {
            #expect(error.caseName == "tooLarge")
            #expect(error.description.contains("3072"))
        }
        lim.maxPixels = 64 * 48
        #expect((try? ImageDecoder.decode(data, limits: lim)) != nil)
    }

    @Test func dctScalingPicksSmallestScaleAboveMinimum() throws {
        let data = Fixtures.bytes("jpeg_1024x768.jpg")
        let full = try ImageDecoder.decode(data)
        #expect(full.scaleNumerator == 8 && full.image.width == 1024)
        let d = try ImageDecoder.decode(data, minimumSide: 256)
        // ceil(768·M/8) ≥ 256 first holds at M = 3: 384×288.
        #expect(d.scaleNumerator == 3)
        #expect(d.image.width == 384 && d.image.height == 288)
        #expect(d.originalWidth == 1024 && d.originalHeight == 768)
        // Scaled and full decodes agree after resizing to the model input.
        let a = Preprocess.resize(d.image, width: 256, height: 256)
        let b = Preprocess.resize(full.image, width: 256, height: 256)
        var sum = 0
        for i in 0..<a.pixels.count { sum += abs(Int(a.pixels[i]) - Int(b.pixels[i])) }
        let mean = Double(sum) / Double(a.pixels.count)
        #expect(mean < 1.5, "mean abs diff \(mean)")
        // A minimum above the frame gives full size; tiny minimum gives 1/8.
        #expect(try ImageDecoder.decode(data, minimumSide: 5000).scaleNumerator == 8)
        #expect(try ImageDecoder.decode(data, minimumSide: 1).scaleNumerator == 1)
    }

    @Test func orientationSwapsOriginalSize() throws {
        let d = try ImageDecoder.decode(Fixtures.bytes("jpeg_orientation_6.jpg"))
        #expect(d.originalWidth == 48 && d.originalHeight == 32)
        // Upright pattern: red top-left, white bottom-right.
        let (r, g, b) = d.image[4, 10]
        #expect(r > 180 && g < 80 && b < 80)
        let (r2, g2, b2) = d.image[44, 28]
        #expect(r2 > 200 && g2 > 200 && b2 > 200)
    }

    @Test func pngIgnoresMinimumSide() throws {
        let d = try ImageDecoder.decode(Fixtures.bytes("png_rgb8.png"), minimumSide: 4)
        #expect(d.image.width == 40 && d.scaleNumerator == 8)
    }

    @Test func errorsMapToStatuses() {
        #expect(ImagingError.unsupportedFormat("GIF").httpStatus == 415)
        #expect(ImagingError.unsupportedFormat("GIF").isUnsupportedMediaType)
        #expect(!ImagingError.truncated("x").isUnsupportedMediaType)
        #expect(ImagingError.corrupt("x").httpStatus == 422)
        #expect(ImagingError.encodeFailed("x").httpStatus == 500)
    }
}
