import Testing
@testable import Service

@Suite struct MultipartTests {
    func body(_ parts: [String], boundary: String = "XyZ") -> [UInt8] {
        var text = ""
        for (i, p) in parts.enumerated() {
            text += "--\(boundary)\r\nContent-Disposition: form-data; name=\"image\"; filename=\"\(i).jpg\"\r\n"
            text += "Content-Type: image/jpeg\r\n\r\n\(p)\r\n"
        }
        text += "--\(boundary)--\r\n"
        return Array(text.utf8)
    }

    @Test func boundaryIsReadFromContentType() {
        #expect(Multipart.boundary(fromContentType: "multipart/form-data; boundary=abc") == "abc")
        #expect(Multipart.boundary(fromContentType: "multipart/form-data; boundary=\"a b\"") == "a b")
        #expect(Multipart.boundary(fromContentType: "image/png") == nil)
    }

    @Test func splitsPartsInOrder() throws {
        let parts = try Multipart.parse(body(["first", "second\r\nline", "third"]), boundary: "XyZ")
        #expect(parts.map { String(decoding: $0.body, as: UTF8.self) } == ["first", "second\r\nline", "third"])
        #expect(parts[0].name == "image")
        #expect(parts[1].contentType == "image/jpeg")
    }

    @Test func rejectsBodiesWithoutDelimiters() {
        #expect(throws: ServiceError.self) { try Multipart.parse(Array("no parts".utf8), boundary: "XyZ") }
        #expect(throws: ServiceError.self) {
            try Multipart.parse(Array("--XyZ\r\nContent-Type: a\r\n".utf8), boundary: "XyZ")
        }
    }

    @Test func binaryBodiesSurvive() throws {
        let payload: [UInt8] = [0xFF, 0xD8, 0x00, 0x0D, 0x0A, 0x2D, 0x2D, 0xFF, 0xD9]
        var b = Array("--B\r\nContent-Type: image/jpeg\r\n\r\n".utf8) + payload
        b += Array("\r\n--B--\r\n".utf8)
        let parts = try Multipart.parse(b, boundary: "B")
        #expect(parts.count == 1)
        #expect(Array(parts[0].body) == payload)
    }
}
