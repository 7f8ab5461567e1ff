import Foundation
import Testing
@testable import Inference

/// Every loader failure is a typed `WeightsError` whose message names the file, the tensor or
/// key, what was found and what was expected. The bad files are built byte by byte here.
@Suite struct SafetensorsTests {
    let meta = SafetensorsWriter.baseMetadata.merging(["arch": "hkt"]) { $1 }

    func problem(_ bytes: [UInt8], file: String = "weights/x.safetensors") -> WeightsError? {
        do {
            _ = try AnomalyModel(safetensors: try Safetensors(bytes: bytes, file: file))
            return nil
        } catch let e as WeightsError {
            #expect(e.description.hasPrefix("\(file): "), "message names the file: \(e)")
            return e
        } catch {
            Issue.record("unexpected error type \(error)")
            return nil
        }
    }

    func model(_ edit: (inout [SafetensorsWriter.Item]) -> Void, metadata: [String: String]? = nil) -> [UInt8] {
        var items = SafetensorsWriter.randomModelItems(arch: "hkt", seed: 1)
        edit(&items)
        return SafetensorsWriter.file(items, metadata: metadata ?? meta)
    }

    func header(_ json: String, data: [UInt8] = []) -> [UInt8] {
        SafetensorsWriter.assemble(headerJSON: Array(json.utf8), data: data)
    }

    @Test func validFileLoads() throws {
        let m = try AnomalyModel(safetensors: try Safetensors(bytes: model { _ in }, file: "w.safetensors"))
        #expect(m.metadata.arch == "hkt" && m.metadata.imageSize == 64 && m.metadata.version == "test-1")
        #expect(m.metadata.fusionWeights == [0.2, 0.2, 0.2, 1.0])
        #expect(m.metadata.raw["category"] == "test")
        // PDN-small teacher ≈ 2.69 M; student the same plus CBAM; projectors 3 × (C_i·384 + 384).
        let teacher = 3 * 128 * 16 + 128 + 128 * 256 * 16 + 256 + 256 * 256 * 9 + 256 + 256 * 384 * 16 + 384
        let cbam = [128, 256, 256].reduce(0) { $0 + 2 * $1 * $1 / 16 + 98 }
        let proj = [128, 256, 256].reduce(0) { $0 + $1 * 384 + 384 }
        #expect(m.parameterCount == 2 * teacher + cbam + proj)
    }

    @Test func shapeMismatchNamesTensorAndShapes() {
        let e = problem(model { items in
            let i = items.firstIndex { $0.name == "student.conv2.weight" }!
            items[i] = .init(name: items[i].name, shape: [256, 128, 3, 3], values: [Float](repeating: 0, count: 256 * 128 * 9))
        })
        #expect(e?.problem == .shapeMismatch(tensor: "student.conv2.weight", found: [256, 128, 3, 3], expected: [256, 128, 4, 4]))
        #expect(e?.description == "weights/x.safetensors: tensor student.conv2.weight has shape [256,128,3,3], expected [256,128,4,4]")
    }

    @Test func missingTensor() {
        let e = problem(model { $0.removeAll { $0.name == "proj.2.bias" } })
        #expect(e?.problem == .missingTensor(tensor: "proj.2.bias", expectedShape: [384]))
    }

    @Test func unsupportedDtype() {
        let json = #"{"teacher_mean":{"dtype":"F64","shape":[1],"data_offsets":[0,8]}}"#
        let e = try? Safetensors(bytes: header(json, data: [UInt8](repeating: 0, count: 8)), file: "f")
        #expect(e?.entries["teacher_mean"]?.dtype == "F64")
        #expect(throws: WeightsError(file: "f", problem: .unsupportedDtype(tensor: "teacher_mean", found: "F64"))) {
            _ = try e!.floats("teacher_mean", shape: [1])
        }
        let bad = problem(header(#"{"a":{"dtype":"Q4","shape":[1],"data_offsets":[0,1]}}"#, data: [0]))
        #expect(bad?.problem == .unsupportedDtype(tensor: "a", found: "Q4"))
    }

    @Test func f16IsConvertedOnceAtLoad() throws {
        let bytes = SafetensorsWriter.file([.init(name: "a", shape: [3], values: [1.5, -2, 0.099975586], dtype: "F16")], metadata: [:])
        let st = try Safetensors(bytes: bytes, file: "f")
        #expect(try st.floats("a", shape: [3]) == [1.5, -2, 0.099975586])
        // A whole F16 model loads and predicts like its F32 original rounded to F16.
        let url = try SafetensorsWriter.randomModelFile(arch: "hkt", seed: 2, dtype: "F16")
        let m = try AnomalyModel(contentsOf: url)
        #expect(m.metadata.arch == "hkt")
    }

    @Test func headerLength() {
        #expect(problem([1, 2, 3])?.problem == .fileTooSmall(bytes: 3))
        var huge: [UInt8] = [0xFF, 0xFF, 0, 0, 0, 0, 0, 0]
        huge += Array("{}".utf8)
        #expect(problem(huge)?.problem == .headerLength(found: 0xFFFF, fileSize: 10))
        let zero: [UInt8] = [0, 0, 0, 0, 0, 0, 0, 0]
        #expect(problem(zero)?.problem == .headerLength(found: 0, fileSize: 8))
    }

    @Test func headerNotJSON() {
        guard case .headerNotJSON = problem(header("{not json"))?.problem else { Issue.record("expected headerNotJSON"); return }
        guard case .headerNotJSON = problem(header("[1,2]"))?.problem else { Issue.record("expected headerNotJSON for array"); return }
        guard case .malformedEntry(tensor: "a", _) = problem(header(#"{"a":{"dtype":"F32","shape":[1.5],"data_offsets":[0,4]}}"#, data: [0, 0, 0, 0]))?.problem else {
            Issue.record("expected malformedEntry"); return
        }
        guard case .malformedEntry(tensor: "b", _) = problem(header(#"{"b":{"dtype":"F32","shape":[1]}}"#))?.problem else {
            Issue.record("expected malformedEntry for missing offsets"); return
        }
    }

    @Test func offsetsOutsideFile() {
        let e = problem(header(#"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}"#, data: [0, 0, 0, 0]))
        #expect(e?.problem == .offsetsOutOfBounds(tensor: "a", begin: 0, end: 8, dataSize: 4))
        let reversed = problem(header(#"{"a":{"dtype":"F32","shape":[0],"data_offsets":[4,0]}}"#, data: [0, 0, 0, 0]))
        #expect(reversed?.problem == .offsetsOutOfBounds(tensor: "a", begin: 4, end: 0, dataSize: 4))
    }

    @Test func byteCountMismatch() {
        let e = problem(header(#"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,4]}}"#, data: [0, 0, 0, 0]))
        #expect(e?.problem == .byteCountMismatch(tensor: "a", found: 4, expected: 8))
    }

    @Test func overlappingTensors() {
        let json = #"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}"#
        let e = problem(header(json, data: [UInt8](repeating: 0, count: 12)))
        #expect(e?.problem == .overlap(tensor: "b", other: "a"))
    }

    /// Metadata is checked before any tensor, so a file with only `__metadata__` suffices.
    func metadataOnly(_ m: [String: String]) -> [UInt8] { SafetensorsWriter.file([], metadata: m) }

    @Test func missingAndInvalidMetadata() {
        for key in ModelMetadata.requiredKeys {
            var m = meta
            m[key] = nil
            #expect(problem(metadataOnly(m))?.problem == .missingMetadata(key: key))
        }
        func invalid(_ key: String, _ value: String) -> String? {
            var m = meta
            m[key] = value
            guard case .invalidMetadata(let k, let found, _) = problem(metadataOnly(m))?.problem else { return nil }
            #expect(found == value)
            return k
        }
        #expect(invalid("arch", "sacd") == "arch")
        #expect(invalid("format", "hkt-serve/2") == "format")
        #expect(invalid("image_size", "32") == "image_size")
        #expect(invalid("threshold", "high") == "threshold")
        #expect(invalid("map_q_high", "0.001") == "map_q_high")
        #expect(invalid("fusion", "{\"weights\":[1,2]}") == "fusion")
        #expect(invalid("input_std", "[1,0,1]") == "input_std")
        var m = meta
        m["version"] = nil; m["fusion"] = nil
        let ok = try? AnomalyModel(safetensors: try Safetensors(bytes: model({ _ in }, metadata: m), file: "f"))
        #expect(ok?.metadata.fusionWeights == ModelMetadata.defaultFusionWeights)
        let nonString = problem(header(#"{"__metadata__":{"arch":3}}"#))
        #expect(nonString?.problem == .invalidMetadata(key: "arch", found: "3", expected: "a JSON string (safetensors metadata is string → string)"))
    }

    @Test func nonFiniteWeights() {
        let e = problem(model { items in
            let i = items.firstIndex { $0.name == "teacher.conv3.bias" }!
            items[i].values[5] = .nan
        })
        #expect(e?.problem == .nonFinite(tensor: "teacher.conv3.bias", index: 5))
    }

    @Test func unreadableFile() {
        #expect(throws: WeightsError.self) { _ = try AnomalyModel(contentsOf: URL(fileURLWithPath: "/nonexistent/x.safetensors")) }
    }
}
