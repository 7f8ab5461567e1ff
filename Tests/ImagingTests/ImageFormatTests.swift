import Testing
@testable import Imaging

@Suite struct ImageFormatTests {
    @Test func sniffsByMagicBytes() {
        #expect(ImageFormat.sniff([0xFF, 0xD8, 0xFF, 0xE0]) == .jpeg)
        #expect(ImageFormat.sniff(ImageFormat.pngSignature + [0, 0]) == .png)
        #expect(ImageFormat.sniff(Array(ImageFormat.pngSignature.prefix(7))) == nil)
        #expect(ImageFormat.sniff([0xFF, 0xD8]) == nil)
        #expect(ImageFormat.sniff([UInt8]()) == nil)
        #expect(ImageFormat.sniff(Array("GIF89a".utf8)[...]) == nil)
    }

    @Test func describesOtherFormats() {
        #expect(ImageFormat.describe(Array("GIF89a....".utf8)) == "GIF")
        #expect(ImageFormat.describe(Array("RIFF\0\0\0\0WEBPVP8 ".utf8)) == "WebP")
        #expect(ImageFormat.describe(Array("RIFF\0\0\0\0WAVEfmt ".utf8)).hasPrefix("unknown"))
        #expect(ImageFormat.describe([0x4D, 0x4D, 0x00, 0x2A]) == "TIFF")
        #expect(ImageFormat.describe([0x01, 0x02]) == "unknown (first bytes 01 02)")
    }
}
