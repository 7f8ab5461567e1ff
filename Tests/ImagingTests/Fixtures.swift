import Foundation
@testable import Imaging

/// Access to Tests/Fixtures/imaging and its manifest.json (written by
/// tools/make_imaging_fixtures.py).
enum Fixtures {
    static let dir = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Fixtures/imaging")

    static func bytes(_ name: String) -> [UInt8] {
        guard let d = FileManager.default.contents(atPath: dir.appendingPathComponent(name).path) else {
            fatalError("missing fixture \(name); run tools/make_imaging_fixtures.py")
        }
        return [UInt8](d)
    }

    static func png(_ name: String) throws -> RGBImage {
        try ImageDecoder.decode(bytes(name)).image
    }

    struct Entry: Decodable, Sendable, CustomStringConvertible {
        let file: String
        let expect: String
        let format: String?
        let width: Int?
        let height: Int?
        let reference: String?
        let tolerance: Int?
        let orientation: Int?
        let contains: String?
        var description: String { file }
    }

    struct ResizeCase: Decodable, Sendable, CustomStringConvertible {
        let source: String
        let golden: String
        let width: Int
        let height: Int
        var description: String { golden }
    }

    struct ModelInput: Decodable, Sendable {
        let source: String
        let size: Int
        let file: String
    }

    struct Manifest: Decodable, Sendable {
        let decode: [Entry]
        let resize: [ResizeCase]
        let model_input: ModelInput
    }

    static let manifest: Manifest = {
        let d = Data(bytes("manifest.json"))
        do { return try JSONDecoder().decode(Manifest.self, from: d) } catch {
            fatalError("manifest.json: \(error)")
        }
    }()

    /// Largest absolute byte difference between two equally sized images.
    static func maxDiff(_ a: RGBImage, _ b: RGBImage) -> Int {
        precondition(a.width == b.width && a.height == b.height)
        var m = 0
        for i in 0..<a.pixels.count { m = max(m, abs(Int(a.pixels[i]) - Int(b.pixels[i]))) }
        return m
    }
}

extension ImagingError {
    /// The case name, as the manifest spells it.
    var caseName: String {
        switch self {
        case .unsupportedFormat: "unsupportedFormat"
        case .empty: "empty"
        case .tooLarge: "tooLarge"
        case .corrupt: "corrupt"
        case .truncated: "truncated"
        case .unsupportedFeature: "unsupportedFeature"
        case .encodeFailed: "encodeFailed"
        case .internalFailure: "internalFailure"
        }
    }
}
