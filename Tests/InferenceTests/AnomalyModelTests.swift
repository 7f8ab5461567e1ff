import Foundation
import Testing
@testable import Inference

/// The engine's forward pass against the reference pipeline on random weights, plus the
/// `predict` contract (shapes, errors, concurrency).
@Suite struct AnomalyModelTests {
    func load(_ arch: String, seed: UInt64, metadata: [String: String] = [:]) throws -> (AnomalyModel, [String: [Float]]) {
        let url = try SafetensorsWriter.randomModelFile(arch: arch, seed: seed, metadata: metadata)
        let items = SafetensorsWriter.randomModelItems(arch: arch, seed: seed)
        return (try AnomalyModel(contentsOf: url), Dictionary(uniqueKeysWithValues: items.map { ($0.name, $0.values) }))
    }

    @Test(arguments: [("hkt", 64, 64), ("hkt", 45, 58), ("hkt+", 40, 40)])
    func intermediatesMatchReference(arch: String, height: Int, width: Int) throws {
        let (model, tensors) = try load(arch, seed: 11)
        var rng = SeededRandom(seed: 12)
        let input = rng.floats(3 * height * width, -2, 2)
        let got = try model.intermediates(input, height: height, width: width)
        let expected = ReferencePipeline.run(arch: arch, tensors: tensors, metadata: model.metadata,
                                             input: Tensor(channels: 3, height: height, width: width, values: input))
        #expect(Set(got.keys).isSuperset(of: expected.keys), "missing: \(Set(expected.keys).subtracting(got.keys))")
        for (name, want) in expected.sorted(by: { $0.key < $1.key }) {
            guard let have = got[name] else { continue }
            #expect(have.count == want.count, "\(name)")
            guard have.count == want.count else { continue }
            let err = relativeError(have, want)
            #expect(err < 1e-4, "\(arch) \(height)×\(width) \(name): relative error \(err)")
        }
    }

    @Test func predictContract() throws {
        let (model, _) = try load("hkt", seed: 11)
        var rng = SeededRandom(seed: 22)
        let s = model.metadata.imageSize
        let input = rng.floats(3 * s * s, -2, 2)
        let r = try model.predict(input)
        #expect(r.mapWidth == s && r.mapHeight == s && r.map.count == s * s)
        #expect(r.score == r.map.max())
        #expect(r.timings.contains { $0.stage == "teacher.conv2" } && r.timings.allSatisfy { $0.seconds >= 0 })
        // Same input, same bits, also from the pooled (reused) workspace and whatever share of
        // the cores other (concurrently running) tests leave.
        let again = try model.predict(input)
        #expect(again.map == r.map && again.score == r.score)
        #expect(throws: InferenceError.badInputShape(expected: 3 * s * s, found: 5)) { _ = try model.predict([1, 2, 3, 4, 5]) }
        var bad = input
        bad[7] = .infinity
        #expect(throws: InferenceError.nonFiniteInput(index: 7)) { _ = try model.predict(bad) }
        #expect(throws: InferenceError.inputTooSmall(height: 32, width: 64, minimum: 33)) {
            _ = try model.intermediates([Float](repeating: 0, count: 3 * 32 * 64), height: 32, width: 64)
        }
    }

    @Test func concurrentCallersGetTheirOwnResults() async throws {
        let (model, _) = try load("hkt", seed: 11)
        let s = model.metadata.imageSize
        let inputs = (0..<4).map { i -> [Float] in var rng = SeededRandom(seed: 100 + UInt64(i)); return rng.floats(3 * s * s, -2, 2) }
        let serial = try inputs.map { try model.predict($0).map }
        let parallel = try await withThrowingTaskGroup(of: (Int, [Float]).self) { group in
            for (i, input) in inputs.enumerated() { group.addTask { (i, try model.predict(input).map) } }
            var out = [[Float]](repeating: [], count: inputs.count)
            for try await (i, m) in group { out[i] = m }
            return out
        }
        for i in 0..<inputs.count { #expect(relativeError(parallel[i], serial[i]) < 1e-6) }
        #expect(serial[0] != serial[1])
    }
}
