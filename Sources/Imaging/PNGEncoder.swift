import CCodecs

/// PNG encoding through libpng (zlib), tuned for speed: level 1 by default.
public enum PNGEncoder {
    /// Row filter (PNG filter type). Measured at level 1 (benchmarks/imaging.sh): for a
    /// Turbo-coloured RGB map `.none` is fastest and smallest (256²: 3.6 ms / 62 kB vs `.sub`
    /// 4.7 ms / 84 kB, `.paeth` 6.0 ms / 96 kB); for palette indices of the ordered Turbo table
    /// `.sub` wins (see `Heatmap.renderPNG`). `encode` defaults to `.sub`, the usual choice for
    /// photographic content such as overlays.
    public enum Filter: Int32, Sendable {
        case libpngDefault = 0, none = 0x08, sub = 0x10, up = 0x20, avg = 0x40, paeth = 0x80, all = 0xF8
    }

    /// zlib strategy. `.rle` (distance-1 matches only) halves deflate time on noisy palette
    /// data at some cost in size; `.libpngDefault` lets libpng choose (Z_FILTERED when filtering).
    public enum Strategy: Int32, Sendable {
        case libpngDefault = 0, filtered = 1, huffmanOnly = 2, rle = 3
    }

    /// Encodes RGB, 8 bits per channel. `compressionLevel` 0…9 (zlib).
    public static func encode(_ image: RGBImage, compressionLevel: Int = 1,
                              filter: Filter = .sub) throws(ImagingError) -> [UInt8] {
        try encodeRaw(image.pixels, width: image.width, height: image.height, stride: image.width * 3,
                      colorType: 2, bitDepth: 8, palette: nil, level: compressionLevel, filter: filter)
    }

    /// Encodes 8-bit palette indices (`width × height`) with a palette of RGB triples
    /// (`palette.count / 3` ≤ 256 entries). A third of the data of RGB: faster to compress.
    public static func encodeIndexed(_ indices: [UInt8], width: Int, height: Int, palette: [UInt8],
                                     compressionLevel: Int = 1, filter: Filter = .none,
                                     strategy: Strategy = .libpngDefault) throws(ImagingError) -> [UInt8] {
        guard indices.count == width * height else {
            throw .encodeFailed("\(indices.count) indices for \(width)x\(height)")
        }
        return try encodeRaw(indices, width: width, height: height, stride: width, colorType: 3,
                             bitDepth: 8, palette: palette, level: compressionLevel, filter: filter,
                             strategy: strategy)
    }

    /// Encodes a 1-bit black/white image from booleans-as-bytes (non-zero = white).
    public static func encodeBinary(_ mask: [UInt8], width: Int, height: Int,
                                    compressionLevel: Int = 1) throws(ImagingError) -> [UInt8] {
        guard mask.count == width * height else {
            throw .encodeFailed("\(mask.count) mask bytes for \(width)x\(height)")
        }
        let stride = (width + 7) / 8
        var packed = [UInt8](repeating: 0, count: stride * height)
        for y in 0..<height {
            for x in 0..<width where mask[y * width + x] != 0 {
                packed[y * stride + x >> 3] |= 0x80 >> UInt8(x & 7)
            }
        }
        return try encodeRaw(packed, width: width, height: height, stride: stride, colorType: 0,
                             bitDepth: 1, palette: nil, level: compressionLevel, filter: .none)
    }

    static func encodeRaw(_ px: [UInt8], width: Int, height: Int, stride: Int, colorType: Int32,
                          bitDepth: Int32, palette: [UInt8]?, level: Int, filter: Filter,
                          strategy: Strategy = .libpngDefault) throws(ImagingError) -> [UInt8] {
        guard width > 0, height > 0, width <= 0x7FFF_FFFF, height <= 0x7FFF_FFFF else {
            throw .encodeFailed("cannot encode a \(width)x\(height) image")
        }
        var msg = CMessage()
        var out: UnsafeMutablePointer<UInt8>?
        var len = 0
        let pal = palette ?? []
        let rc: Int = px.withUnsafeBufferPointer { p in
            pal.withUnsafeBufferPointer { pp in
                Int(ccodecs_png_encode(p.baseAddress, UInt32(width), UInt32(height), stride, colorType,
                                       bitDepth, pp.baseAddress, Int32(pal.count / 3), Int32(level),
                                       filter.rawValue, strategy.rawValue, &out, &len, &msg.bytes))
            }
        }
        guard rc == CCODECS_OK, let buf = out else { throw .encodeFailed(msg.string) }
        defer { ccodecs_free(buf) }
        return Array(UnsafeBufferPointer(start: buf, count: len))
    }
}
