import CCodecs

extension ImageDecoder {
    static func decodePNG(_ bytes: [UInt8], limits: DecodeLimits) throws(ImagingError) -> DecodedImage {
        var msg = CMessage()
        var info = ccodecs_png_info()
        var handle: OpaquePointer?
        // libpng keeps a pointer to the bytes between open and read; both run in this scope.
        return try bytes.withUnsafeBufferPointer { buf -> Result<DecodedImage, ImagingError> in
            let rc = Int(ccodecs_png_open(buf.baseAddress, buf.count, &handle, &info, &msg.bytes))
            guard rc == CCODECS_OK, let h = handle else {
                return .failure(error(code: rc, message: msg.string, format: "PNG"))
            }
            defer { ccodecs_png_close(h) }
            let w = Int(info.width), ht = Int(info.height)
            do throws(ImagingError) { try checkPixels(w, ht, limits, "PNG image") } catch { return .failure(error) }
            let n = w * ht * 3
            var readRC = CCODECS_OK
            let bg = alphaBackground
            let bgBytes: [UInt8] = [bg.0, bg.1, bg.2]
            let pixels = [UInt8](unsafeUninitializedCapacity: n) { out, count in
                readRC = Int(ccodecs_png_read_rgb(h, out.baseAddress, n, bgBytes, &msg.bytes))
                count = readRC == CCODECS_OK ? n : 0
            }
            guard readRC == CCODECS_OK else {
                return .failure(error(code: readRC, message: msg.string, format: "PNG"))
            }
            return .success(DecodedImage(image: RGBImage(width: w, height: ht, pixels: pixels),
                                         originalWidth: w, originalHeight: ht, format: .png))
        }.get()
    }
}
