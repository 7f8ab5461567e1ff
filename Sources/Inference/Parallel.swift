import Dispatch
import Foundation

/// Hands out chunk indices to workers (dynamic scheduling: a core slowed by other load simply
/// takes fewer chunks).
private final class ChunkCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var next = 0
    private let limit: Int
    init(limit: Int) { self.limit = limit }
    func take() -> Int? {
        lock.lock(); defer { lock.unlock() }
        guard next < limit else { return nil }
        next += 1
        return next - 1
    }
}

/// Intra-op parallelism owned by the engine (OpenBLAS is pinned to one thread; see
/// docs/PERFORMANCE.md for the measurement behind that choice).
enum Parallel {
    /// Runs `body(chunk, worker)` for every chunk in `0..<chunks` on up to `workers` threads.
    /// `worker` is in `0..<workers` and identifies the per-worker scratch to use; a worker index
    /// is never used by two threads at once.
    static func forEach(chunks: Int, workers: Int, _ body: (_ chunk: Int, _ worker: Int) -> Void) {
        let workers = min(workers, chunks)
        if workers <= 1 {
            for chunk in 0..<chunks { body(chunk, 0) }
            return
        }
        let counter = ChunkCounter(limit: chunks)
        withoutActuallyEscaping(body) { body in
            let box = UncheckedBox(body)
            DispatchQueue.concurrentPerform(iterations: workers) { worker in
                while let chunk = counter.take() { box.value(chunk, worker) }
            }
        }
    }
}

/// Lets a non-Sendable closure cross into `concurrentPerform`; the closures passed here only
/// write disjoint output ranges and per-worker scratch.
struct UncheckedBox<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
}
