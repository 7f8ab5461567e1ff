import Foundation

/// An HKT / HKT+ teacher–student anomaly detector loaded from a safetensors file.
///
/// Thread-safe: concurrent `predict` calls each take a workspace from a pool and share the
/// cores through `ComputeBudget.shared`.
public final class AnomalyModel: Sendable {
    /// Parsed `__metadata__`.
    public let metadata: ModelMetadata
    /// Learned parameters (teacher, student, CBAM, projectors; not the teacher statistics).
    public let parameterCount: Int
    /// File the model was loaded from (as given).
    public let file: String

    let architecture: Architecture
    /// Teacher and student convs per stage, packed for the kernels.
    let teacher: [[ConvLayer]]
    let student: [[ConvLayer]]
    /// Teacher conv1 and student conv1 stacked into one layer (same input, one GEMM).
    let firstPair: ConvLayer
    let cbam: [CBAMLayer]
    let projectors: [ConvLayer]
    let teacherMean: AlignedStorage
    let teacherStd: AlignedStorage
    let pool: WorkspacePool
    let budget: ComputeBudget

    /// Loads and validates `url` (one read). Throws `WeightsError` naming the file and the
    /// offending tensor or metadata key.
    public convenience init(contentsOf url: URL) throws {
        try self.init(safetensors: try Safetensors(contentsOf: url))
    }

    /// Builds the model from an already parsed container.
    public init(safetensors st: Safetensors, budget: ComputeBudget = .shared) throws {
        let meta = try ModelMetadata(raw: st.metadata, file: st.file)
        let arch = Architecture(name: meta.arch)!
        var tensors: [String: [Float]] = [:]
        var params = 0
        for (name, shape) in arch.expectedTensors {
            tensors[name] = try st.floats(name, shape: shape)
            if !name.hasPrefix("teacher_") { params += shape.reduce(1, *) }
        }
        if let bad = tensors["teacher_std"]!.firstIndex(where: { !($0 > 0) }) {
            throw WeightsError(file: st.file, problem: .invalidMetadata(
                key: "teacher_std[\(bad)]", found: "\(tensors["teacher_std"]![bad])", expected: "a positive standard deviation"))
        }
        func conv(_ net: String, _ c: Architecture.Conv) -> ConvLayer {
            ConvLayer(name: "\(net).\(c.name)", inChannels: c.inChannels, outChannels: c.outChannels, kernel: c.kernel,
                      weights: tensors["\(net).\(c.name).weight"]!, bias: tensors["\(net).\(c.name).bias"]!)
        }
        teacher = arch.stages.map { $0.map { conv("teacher", $0) } }
        student = arch.stages.map { $0.map { conv("student", $0) } }
        let c1 = arch.stages[0][0]
        firstPair = ConvLayer(
            name: "pair.\(c1.name)", inChannels: c1.inChannels, outChannels: 2 * c1.outChannels, kernel: c1.kernel,
            weights: tensors["teacher.\(c1.name).weight"]! + tensors["student.\(c1.name).weight"]!,
            bias: tensors["teacher.\(c1.name).bias"]! + tensors["student.\(c1.name).bias"]!)
        cbam = (1...3).map { i in
            CBAMLayer(channels: arch.stageChannels[i - 1], mlp1: tensors["student.cbam\(i).mlp1.weight"]!,
                      mlp2: tensors["student.cbam\(i).mlp2.weight"]!, spatial: tensors["student.cbam\(i).spatial.weight"]!)
        }
        projectors = (1...3).map { i in
            ConvLayer(name: "proj.\(i)", inChannels: arch.stageChannels[i - 1], outChannels: arch.outChannels, kernel: 1,
                      weights: tensors["proj.\(i).weight"]!, bias: tensors["proj.\(i).bias"]!)
        }
        teacherMean = AlignedStorage(count: arch.outChannels)
        teacherStd = AlignedStorage(count: arch.outChannels)
        for i in 0..<arch.outChannels {
            teacherMean.pointer[i] = tensors["teacher_mean"]![i]
            teacherStd.pointer[i] = tensors["teacher_std"]![i]
        }
        metadata = meta
        architecture = arch
        parameterCount = params
        file = st.file
        self.budget = budget
        pool = WorkspacePool()
    }

    /// Smallest side the network accepts: every stage keeps ≥ 1 pixel and the blur's reflect
    /// padding needs a map larger than its radius (33 for both HKT and HKT+).
    public var minimumInputSize: Int {
        var n = GaussianBlur.anomalyMap.size / 2 + 1
        while architecture.stageSizes(height: n, width: n) == nil { n += 1 }
        return n
    }

    /// Scores one image. `input`: normalised CHW float32, 3 × imageSize × imageSize.
    /// Blocking; safe for concurrent callers. Throws `InferenceError`.
    public func predict(_ input: [Float]) throws -> AnomalyResult {
        let s = metadata.imageSize
        guard input.count == 3 * s * s else { throw InferenceError.badInputShape(expected: 3 * s * s, found: input.count) }
        return try run(input, height: s, width: s, record: nil)
    }

    /// Every intermediate tensor of one forward pass at any size ≥ `minimumInputSize`, the map
    /// post-processing done at the input's size (for parity tests). Names are those of the
    /// golden files (`t1`, `s2_cbam_channel`, `p3`, `m4`, `fused`, `map`, `score`, …; see
    /// `AnomalyModel.forward`).
    public func intermediates(_ input: [Float], height: Int, width: Int) throws -> [String: [Float]] {
        guard input.count == 3 * height * width else {
            throw InferenceError.badInputShape(expected: 3 * height * width, found: input.count)
        }
        var out: [String: [Float]] = [:]
        let result = try run(input, height: height, width: width) { name, pointer, count in
            out[name] = Array(UnsafeBufferPointer(start: pointer, count: count))
        }
        out["score"] = [result.score]
        return out
    }

    private func run(_ input: [Float], height: Int, width: Int,
                     record: ((String, UnsafePointer<Float>, Int) -> Void)?) throws -> AnomalyResult {
        let minimum = minimumInputSize
        guard height >= minimum, width >= minimum else {
            throw InferenceError.inputTooSmall(height: height, width: width, minimum: minimum)
        }
        if let bad = input.firstIndex(where: { !$0.isFinite }) { throw InferenceError.nonFiniteInput(index: bad) }
        let ws = pool.take(height: height, width: width, workers: budget.cores)
        defer { pool.give(ws) }
        _ = budget.acquire()
        defer { budget.release() }
        return input.withUnsafeBufferPointer { forward($0.baseAddress!, workspace: ws, record: record) }
    }
}

/// Reusable workspaces, one per concurrently running call and input size.
final class WorkspacePool: @unchecked Sendable {
    private let lock = NSLock()
    private var free: [Workspace] = []
    /// Idle workspaces kept per size; more concurrent callers get fresh ones that are dropped.
    private let keep = 8

    func take(height: Int, width: Int, workers: Int) -> Workspace {
        lock.lock()
        if let i = free.lastIndex(where: { $0.height == height && $0.width == width && $0.scratch.count >= workers }) {
            let ws = free.remove(at: i)
            lock.unlock()
            return ws
        }
        lock.unlock()
        return Workspace(height: height, width: width, workers: workers)
    }

    func give(_ ws: Workspace) {
        lock.lock(); defer { lock.unlock() }
        var same = 0
        for w in free where w.height == ws.height && w.width == ws.width { same += 1 }
        if same < keep { free.append(ws) }
    }
}
