/// All buffers one forward pass at a given input size needs. A workspace is used by one call
/// at a time; `AnomalyModel` keeps a pool of them so steady-state calls allocate nothing.
final class Workspace: @unchecked Sendable {
    let height: Int
    let width: Int
    /// Per-layer outputs by name ("teacher.conv1", "student.conv1", …, "proj.1", …).
    var buffers: [String: Tensor] = [:]
    /// Per-worker GEMM scratch.
    let scratch: [WorkerScratch]
    /// Map post-processing scratch.
    let misc = ScratchBuffer()
    /// CBAM scratch (separate from the workers' buffers, which the convs may regrow).
    let cbam = ScratchBuffer()
    /// Stage output sizes for this input size (computed once).
    var stageSizes: [(height: Int, width: Int)] = []

    init(height: Int, width: Int, workers: Int) {
        self.height = height
        self.width = width
        scratch = (0..<max(1, workers)).map { _ in WorkerScratch() }
    }

    /// The buffer `name`, created at C×h×w on first use.
    func tensor(_ name: String, channels: Int, height h: Int, width w: Int) -> Tensor {
        if let t = buffers[name], t.channels == channels, t.height == h, t.width == w { return t }
        let t = Tensor(channels: channels, height: h, width: w)
        buffers[name] = t
        return t
    }
}
