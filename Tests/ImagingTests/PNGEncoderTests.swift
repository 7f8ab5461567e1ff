import Testing
@testable import Imaging

@Suite struct PNGEncoderTests {
    @Test(arguments: [0, 1, 6, 9])
    func rgbRoundTrips(level: Int) throws {
        let src = try Fixtures.png("resize_src_b.png")
        let png = try PNGEncoder.encode(src, compressionLevel: level)
        #expect(ImageFormat.sniff(png) == .png)
        #expect(try ImageDecoder.decode(png).image == src)
    }

    @Test(arguments: [PNGEncoder.Filter.none, .sub, .up, .paeth, .all, .libpngDefault])
    func filtersRoundTrip(filter: PNGEncoder.Filter) throws {
        let src = try Fixtures.png("png_rgb8.png")
        #expect(try ImageDecoder.decode(PNGEncoder.encode(src, filter: filter)).image == src)
    }

    @Test func rejectsBadArguments() {
        #expect(throws: ImagingError.self) {
            try PNGEncoder.encodeIndexed([0, 1], width: 3, height: 1, palette: [0, 0, 0])
        }
        #expect(throws: ImagingError.self) {
            try PNGEncoder.encode(RGBImage(width: 0, height: 0, pixels: []))
        }
    }
}
