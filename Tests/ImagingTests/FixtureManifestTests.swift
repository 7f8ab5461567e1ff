import Testing
@testable import Imaging

/// Table-driven: every fixture in manifest.json decodes to its expected pixels or fails with
/// its expected error.
@Suite struct FixtureManifestTests {
    @Test(arguments: Fixtures.manifest.decode)
    func decodeMatchesManifest(_ e: Fixtures.Entry) throws {
        let data = Fixtures.bytes(e.file)
        let result = Result { () throws(ImagingError) in try ImageDecoder.decode(data) }
        switch (e.expect, result) {
        case ("ok", .success(let d)), ("error422_or_ok", .success(let d)):
            #expect(d.image.pixels.count == d.image.width * d.image.height * 3)
            guard e.expect == "ok" else { return }
            #expect(d.image.width == e.width, "\(e.file) width")
            #expect(d.image.height == e.height, "\(e.file) height")
            #expect(d.format.rawValue == e.format)
            if let o = e.orientation { #expect(d.orientation == o, "\(e.file) orientation") }
            if let r = e.reference {
                let ref = try Fixtures.png(r)
                try #require(ref.width == d.image.width && ref.height == d.image.height)
                let diff = Fixtures.maxDiff(ref, d.image)
                #expect(diff <= e.tolerance ?? 0, "\(e.file): max diff \(diff) vs \(r)")
            }
        case (_, .success(let d)):
            Issue.record("\(e.file): expected \(e.expect), decoded \(d.image.width)x\(d.image.height)")
        case ("error422", .failure(let err)), ("error422_or_ok", .failure(let err)):
            #expect(err.httpStatus == 422, "\(e.file): \(err)")
        case (_, .failure(let err)):
            #expect(err.caseName == e.expect, "\(e.file): expected \(e.expect), got \(err)")
            if let c = e.contains { #expect(err.description.contains(c), "\(e.file): '\(err)' lacks '\(c)'") }
        }
    }

    @Test func manifestCoversEveryVariant() {
        let names = Set(Fixtures.manifest.decode.map(\.file))
        for required in ["jpeg_progressive.jpg", "jpeg_cmyk.jpg", "jpeg_gray.jpg", "jpeg_restart.jpg",
                         "png_rgb16.png", "png_palette8_trns.png", "png_gray_alpha8.png", "png_rgba8_adam7.png",
                         "png_gray1.png", "png_gray2.png", "png_gray4.png", "png_bomb_65535.png",
                         "jpeg_bomb_65535.jpg", "other_gif.gif", "other_webp.webp", "other_bmp.bmp", "other_tif.tif"] {
            #expect(names.contains(required), "\(required) missing from manifest")
        }
        #expect((1...8).allSatisfy { names.contains("jpeg_orientation_\($0).jpg") })
    }
}
