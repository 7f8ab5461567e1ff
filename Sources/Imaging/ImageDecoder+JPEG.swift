import CCodecs

extension ImageDecoder {
    static func decodeJPEG(_ bytes: [UInt8], minimumSide: Int,
                           limits: DecodeLimits) throws(ImagingError) -> DecodedImage {
        var msg = CMessage()
        var info = ccodecs_jpeg_info()
        var handle: OpaquePointer?
        let rc = bytes.withUnsafeBufferPointer { buf in
            Int(ccodecs_jpeg_open(buf.baseAddress, buf.count, Int32(clamping: minimumSide), 0,
                                  &handle, &info, &msg.bytes))
        }
        guard rc == CCODECS_OK, let h = handle else {
            throw error(code: rc, message: msg.string, format: "JPEG")
        }
        defer { ccodecs_jpeg_close(h) }
        try checkPixels(Int(info.width), Int(info.height), limits, "JPEG frame")

        let w = Int(info.out_width), ht = Int(info.out_height)
        let n = w * ht * 3
        var readRC = CCODECS_OK
        // `bytes` must stay alive while libjpeg reads it: the whole decode runs inside this scope.
        let pixels = bytes.withUnsafeBufferPointer { _ in
            [UInt8](unsafeUninitializedCapacity: n) { out, count in
                readRC = Int(ccodecs_jpeg_read_rgb(h, out.baseAddress, n, &msg.bytes))
                count = readRC == CCODECS_OK ? n : 0
            }
        }
        guard readRC == CCODECS_OK else { throw error(code: readRC, message: msg.string, format: "JPEG") }

        let orientation = ExifOrientation.read(fromJPEG: bytes)
        let upright = Orientation.apply(orientation, to: RGBImage(width: w, height: ht, pixels: pixels))
        let swaps = orientation >= 5
        return DecodedImage(image: upright,
                            originalWidth: Int(swaps ? info.height : info.width),
                            originalHeight: Int(swaps ? info.width : info.height),
                            format: .jpeg, orientation: orientation,
                            scaleNumerator: Int(info.scale_num))
    }
}
