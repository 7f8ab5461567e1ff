import CBLAS
import Foundation

/// Splits the machine's cores between concurrent `predict` calls so that N callers together
/// use about `cores` threads instead of N × cores (no oversubscription).
public final class ComputeBudget: @unchecked Sendable {
    /// The process-wide budget used by every `AnomalyModel`.
    public static let shared = ComputeBudget(cores: ProcessInfo.processInfo.activeProcessorCount)

    private let lock = NSLock()
    private var active = 0
    private var _cores: Int

    /// A budget over `cores` threads.
    public init(cores: Int) {
        _cores = max(1, cores)
        // The engine parallelises itself; a multi-threaded OpenBLAS inside each of our workers
        // would oversubscribe the cores.
        openblas_set_num_threads(1)
    }

    /// Pins OpenBLAS to one thread (once per process); every conv layer calls this on creation.
    static let singleThreadedBLAS: Void = { openblas_set_num_threads(1) }()

    /// Threads the engine may use in total (defaults to the active processor count).
    public var cores: Int {
        get { lock.lock(); defer { lock.unlock() }; return _cores }
        set { lock.lock(); _cores = max(1, newValue); lock.unlock() }
    }

    /// Registers one running call and returns how many workers it may use.
    func acquire() -> Int {
        lock.lock(); defer { lock.unlock() }
        active += 1
        return max(1, _cores / active)
    }

    /// The share of the cores one running call may use now (re-read before each layer, so a
    /// call that started alone shrinks when others arrive).
    func currentShare() -> Int {
        lock.lock(); defer { lock.unlock() }
        return max(1, _cores / max(1, active))
    }

    /// Ends a call registered with `acquire()`.
    func release() {
        lock.lock(); active -= 1; lock.unlock()
    }
}
