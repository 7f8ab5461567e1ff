import Foundation
@testable import Inference

/// Deterministic pseudo-random numbers (SplitMix64) so failures reproduce.
struct SeededRandom {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    /// Uniform in [lo, hi).
    mutating func float(_ lo: Float = -1, _ hi: Float = 1) -> Float {
        lo + (hi - lo) * Float(next() >> 40) / Float(1 << 24)
    }
    mutating func floats(_ n: Int, _ lo: Float = -1, _ hi: Float = 1) -> [Float] { (0..<n).map { _ in float(lo, hi) } }
    mutating func tensor(_ c: Int, _ h: Int, _ w: Int) -> Tensor { Tensor(channels: c, height: h, width: w, values: floats(c * h * w)) }
}

/// Builds safetensors files byte by byte, including deliberately broken ones.
enum SafetensorsWriter {
    struct Item {
        var name: String
        var shape: [Int]
        var values: [Float]
        var dtype = "F32"
    }

    /// A valid file: tensors laid out in order, header padded to 8 bytes.
    static func file(_ items: [Item], metadata: [String: String]) -> [UInt8] {
        var data: [UInt8] = []
        var header: [String: Any] = [:]
        for item in items {
            let begin = data.count
            // Raw little-endian bytes (this machine is little-endian), appended in bulk.
            if item.dtype == "F16" {
                let halves = item.values.map { Float16($0) }
                halves.withUnsafeBytes { data.append(contentsOf: $0) }
            } else {
                item.values.withUnsafeBytes { data.append(contentsOf: $0) }
            }
            header[item.name] = ["dtype": item.dtype, "shape": item.shape, "data_offsets": [begin, data.count]]
        }
        header["__metadata__"] = metadata
        let json = try! JSONSerialization.data(withJSONObject: header, options: [.sortedKeys])
        return assemble(headerJSON: [UInt8](json), data: data)
    }

    /// Length prefix + header (space-padded to a multiple of 8) + data.
    static func assemble(headerJSON: [UInt8], data: [UInt8]) -> [UInt8] {
        var json = headerJSON
        while json.count % 8 != 0 { json.append(0x20) }
        var out: [UInt8] = []
        let n = UInt64(json.count)
        for i in 0..<8 { out.append(UInt8((n >> (8 * UInt64(i))) & 0xFF)) }
        return out + json + data
    }

    static let baseMetadata: [String: String] = [
        "format": "hkt-serve/1", "image_size": "64", "category": "test", "map_q_low": "0.01",
        "map_q_high": "0.5", "threshold": "0.3", "fusion": "{\"weights\":[0.2,0.2,0.2,1.0]}",
        "input_mean": "[0.485,0.456,0.406]", "input_std": "[0.229,0.224,0.225]", "version": "test-1",
    ]

    private static let cache = ItemCache()

    /// Tensors of a random model of `arch`, scaled so activations stay O(1) (memoised: the
    /// tests are debug builds and HKT+ has 17 M parameters).
    static func randomModelItems(arch: String, seed: UInt64) -> [Item] {
        cache.items(key: "\(arch)-\(seed)") { generateItems(arch: arch, seed: seed) }
    }

    private static func generateItems(arch: String, seed: UInt64) -> [Item] {
        var rng = SeededRandom(seed: seed)
        // A block of uniform [-1, 1) values, tiled with a random offset per tensor: cheap in a
        // debug build (bulk copies) and irregular enough for the parity comparisons.
        let block = rng.floats(65_521)
        return Architecture(name: arch)!.expectedTensors.map { name, shape in
            let n = shape.reduce(1, *)
            let fanIn = shape.count == 4 ? shape[1] * shape[2] * shape[3] : 1
            var unit: [Float] = []
            unit.reserveCapacity(n + block.count)
            let offset = Int(rng.next() % UInt64(block.count))
            unit.append(contentsOf: block[offset...])
            while unit.count < n { unit.append(contentsOf: block) }
            unit.removeLast(unit.count - n)
            let values: [Float]
            if name == "teacher_std" { values = unit.map { 1 + 0.5 * $0 } }
            else if name.hasSuffix(".bias") || name == "teacher_mean" { values = unit.map { 0.1 * $0 } }
            else {
                let s = (3 / Float(fanIn)).squareRoot()
                var scaled = unit
                scaled.withUnsafeMutableBufferPointer { p in scaleInPlace(p, s) }
                values = scaled
            }
            return Item(name: name, shape: shape, values: values)
        }
    }

    /// Writes a random model to a temporary file and returns its URL.
    static func randomModelFile(arch: String, seed: UInt64, metadata extra: [String: String] = [:], dtype: String = "F32") throws -> URL {
        var meta = baseMetadata
        meta["arch"] = arch
        for (k, v) in extra { meta[k] = v }
        let items = randomModelItems(arch: arch, seed: seed).map { var i = $0; i.dtype = dtype; return i }
        return try temporaryFile(file(items, metadata: meta), name: "\(arch)-\(seed)-\(UUID().uuidString).safetensors")
    }

    static func temporaryFile(_ bytes: [UInt8], name: String) throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("inference-tests-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let url = dir.appendingPathComponent(name)
        try Data(bytes).write(to: url)
        return url
    }
}

final class ItemCache: @unchecked Sendable {
    private let lock = NSLock()
    private var store: [String: [SafetensorsWriter.Item]] = [:]
    func items(key: String, make: () -> [SafetensorsWriter.Item]) -> [SafetensorsWriter.Item] {
        lock.lock(); defer { lock.unlock() }
        if let v = store[key] { return v }
        let v = make()
        store[key] = v
        return v
    }
}

/// `p[i] *= s` via a pointer loop (fast enough in debug builds).
func scaleInPlace(_ p: UnsafeMutableBufferPointer<Float>, _ s: Float) {
    var q = p.baseAddress!
    let end = q + p.count
    while q < end { q.pointee *= s; q += 1 }
}

/// max |a − b| / max(max |b|, tiny): the error measure used by the parity tests.
func relativeError(_ a: [Float], _ b: [Float]) -> Float {
    precondition(a.count == b.count, "length \(a.count) vs \(b.count)")
    var diff: Float = 0, scale: Float = 0
    for i in 0..<a.count {
        diff = max(diff, abs(a[i] - b[i]))
        scale = max(scale, abs(b[i]))
    }
    return diff / max(scale, 1e-12)
}
