import Foundation
import Testing
@testable import Inference

/// Parity with the PyTorch reference: every `Tests/Fixtures/model/<name>.golden.safetensors`
/// (written by training/make_goldens.py from `weights/<name>.safetensors`) is replayed through
/// the engine. Tolerance: 1e-4 of each tensor's max-abs (float32 GEMM summation order differs
/// from PyTorch's; observed errors are ~1e-6).
@Suite struct GoldenParityTests {
    static let tolerance: Float = 1e-4

    /// The repository root: the first ancestor of this file holding `Tests/Fixtures/model`.
    static var root: URL? {
        var dir = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        for _ in 0..<6 {
            if FileManager.default.fileExists(atPath: dir.appendingPathComponent("Tests/Fixtures/model").path) { return dir }
            dir = dir.deletingLastPathComponent()
        }
        return nil
    }

    static func goldenFiles() -> [String] {
        guard let root, let names = try? FileManager.default.contentsOfDirectory(atPath: root.appendingPathComponent("Tests/Fixtures/model").path)
        else { return [] }
        return names.filter { $0.hasSuffix(".golden.safetensors") && !$0.hasPrefix("preprocess") }.sorted()
    }

    @Test func goldenFilesArePresent() {
        let files = Self.goldenFiles()
        #expect(!files.isEmpty, "no model golden in Tests/Fixtures/model (run python -m training.make_goldens weights/<name>.safetensors)")
    }

    /// Golden tensor `name` as a flat float array (shape checked against `count`).
    func floats(_ st: Safetensors, _ name: String) throws -> [Float] {
        let e = try #require(st.entries[name], "golden lacks \(name)")
        return try st.floats(name, shape: e.shape)
    }

    @Test(arguments: goldenFiles())
    func matchesPyTorch(golden: String) throws {
        let root = try #require(Self.root)
        let st = try Safetensors(contentsOf: root.appendingPathComponent("Tests/Fixtures/model/\(golden)"))
        let weightsName = st.metadata["weights"] ?? golden.replacingOccurrences(of: ".golden", with: "")
        let model = try AnomalyModel(contentsOf: root.appendingPathComponent("weights/\(weightsName)"))
        if let v = st.metadata["weights_version"], !v.isEmpty {
            #expect(model.metadata.version == v, "golden made from weights version \(v), loaded \(model.metadata.version)")
        }

        // Small path: every intermediate.
        let inputEntry = try #require(st.entries["small.input"])
        let n = inputEntry.shape[2], m = inputEntry.shape[3]
        let got = try model.intermediates(try floats(st, "small.input"), height: n, width: m)
        let names = st.entries.keys.filter { $0.hasPrefix("small.") && $0 != "small.input" }.sorted()
        #expect(names.count >= 20, "golden has only \(names)")
        var worst: Float = 0
        for full in names {
            let name = String(full.dropFirst("small.".count))
            let want = try floats(st, full)
            guard let have = got[name] else { Issue.record("\(golden): engine has no intermediate \(name)"); continue }
            guard have.count == want.count else {
                Issue.record("\(golden): \(name) has \(have.count) values, golden \(st.entries[full]!.shape)"); continue
            }
            let err = relativeError(have, want)
            worst = max(worst, err)
            #expect(err < Self.tolerance, "\(golden): \(name) relative error \(err)")
        }

        print("\(golden): \(names.count) intermediates at \(n)×\(m), worst relative error \(worst)")

        // Real path: a test image resized by PIL (U8 HWC), normalised here as the reference
        // does — (u8 / 255 − mean) / std in float32, CHW — then through predict.
        let resized = try st.uint8s("real.resized")
        let s = model.metadata.imageSize
        #expect(resized.count == s * s * 3)
        var input = [Float](repeating: 0, count: 3 * s * s)
        for c in 0..<3 {
            let mean = model.metadata.inputMean[c], std = model.metadata.inputStd[c]
            for i in 0..<(s * s) { input[c * s * s + i] = (Float(resized[i * 3 + c]) / 255 - mean) / std }
        }
        let result = try model.predict(input)
        let map = try floats(st, "real.map"), score = try floats(st, "real.score")[0]
        #expect(relativeError(result.map, map) < Self.tolerance, "\(golden): real map")
        let scale = map.map(abs).max() ?? 1
        print("\(golden): real map relative error \(relativeError(result.map, map)), score \(result.score) vs \(score)")
        #expect(abs(result.score - score) <= Self.tolerance * scale, "\(golden): real score \(result.score) vs \(score)")
    }
}
