import CCodecs

extension ImageDecoder {
    static func decodeJPEG(_ bytes: [UInt8], minimumSide: Int, limits: DecodeLimits,
                           fastScaledChroma: Bool) throws(ImagingError) -> DecodedImage {
        let flags: Int32 = fastScaledChroma ? Int32(CCODECS_JPEG_FAST_SCALED) : 0
        var msg = CMessage()
        var info = ccodecs_jpeg_info()
        var handle: OpaquePointer?
        // libjpeg keeps a pointer to the bytes from open to the last scanline: both run inside
        // this one closure, so the buffer is pinned throughout.
        let decoded = try bytes.withUnsafeBufferPointer { buf -> Result<[UInt8], ImagingError> in
            let rc = Int(ccodecs_jpeg_open(buf.baseAddress, buf.count, Int32(clamping: minimumSide), flags,
                                           &handle, &info, &msg.bytes))
            guard rc == CCODECS_OK, let h = handle else {
                return .failure(error(code: rc, message: msg.string, format: "JPEG"))
            }
            defer { ccodecs_jpeg_close(h) }
            do throws(ImagingError) { try checkPixels(Int(info.width), Int(info.height), limits, "JPEG frame") } catch {
                return .failure(error)
            }
            let n = Int(info.out_width) * Int(info.out_height) * 3
            var readRC = CCODECS_OK
            let pixels = [UInt8](unsafeUninitializedCapacity: n) { out, count in
                readRC = Int(ccodecs_jpeg_read_rgb(h, out.baseAddress, n, &msg.bytes))
                count = readRC == CCODECS_OK ? n : 0
            }
            guard readRC == CCODECS_OK else {
                return .failure(error(code: readRC, message: msg.string, format: "JPEG"))
            }
            return .success(pixels)
        }.get()

        let orientation = ExifOrientation.read(fromJPEG: bytes)
        let scaled = RGBImage(width: Int(info.out_width), height: Int(info.out_height), pixels: decoded)
        let upright = Orientation.apply(orientation, to: scaled)
        let swaps = orientation >= 5
        return DecodedImage(image: upright,
                            originalWidth: Int(swaps ? info.height : info.width),
                            originalHeight: Int(swaps ? info.width : info.height),
                            format: .jpeg, orientation: orientation,
                            scaleNumerator: Int(info.scale_num))
    }
}
