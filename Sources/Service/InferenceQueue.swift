import Foundation

/// A bounded FIFO of work items drained by a fixed set of worker threads.
///
/// The queue is bounded twice: by the number of waiting items and by the bytes they hold (an
/// image body is the bulk of a request's memory), so memory never grows without bound. A full
/// queue rejects at once with a `Retry-After` estimated from the measured drain rate. Workers
/// are plain threads, not Swift tasks: inference blocks for hundreds of milliseconds and must
/// not starve the cooperative pool that runs HTTP handlers.
public final class InferenceQueue: Sendable {
    /// Limits of the queue.
    public struct Limits: Sendable {
        /// Items waiting (not yet running) at most.
        public var maxDepth: Int = 32
        /// Bytes held by waiting and running items at most.
        public var maxBytes: Int = 512 << 20
        /// Worker threads; each runs one item at a time.
        public var workers: Int = 1
        public init() {}
    }

    public let limits: Limits
    private let core: InferenceQueueCore

    public init(limits: Limits, onDepthChange: @escaping @Sendable (_ waiting: Int, _ running: Int) -> Void = { _, _ in }) {
        self.limits = limits
        core = InferenceQueueCore(limits: limits, onDepthChange: onDepthChange)
        core.startWorkers()
    }

    /// Queued items finish; then the workers exit.
    deinit { core.stop() }

    /// Items waiting plus items running.
    public var depth: (waiting: Int, running: Int) { core.depth }

    /// True when a new item would be refused for depth.
    public var isSaturated: Bool { core.isSaturated }

    /// Runs `work` on a worker thread and returns its result.
    ///
    /// - Throws: `ServiceError.queueFull` at once when the queue is full,
    ///   `ServiceError.deadlineExceeded` when `deadline` passes before a worker picks it up
    ///   (the work is then never run), `ServiceError.notReady` after `stop()`, or whatever `work` throws.
    public func submit<T: Sendable>(
        bytes: Int, deadline: ContinuousClock.Instant? = nil,
        _ work: @escaping @Sendable (_ queueWait: Duration) throws -> T
    ) async throws -> T {
        try await core.submit(bytes: bytes, deadline: deadline, work)
    }

    /// Stops the workers after the items already queued have run.
    public func stop() { core.stop() }
}

/// The queue's state and worker loop, retained by the worker threads so that they never outlive it.
final class InferenceQueueCore: @unchecked Sendable {
    private struct Item {
        let bytes: Int
        let enqueued: ContinuousClock.Instant
        let deadline: ContinuousClock.Instant?
        let run: (_ waited: Duration, _ expired: Bool) -> Void
    }

    let limits: InferenceQueue.Limits
    private let condition = NSCondition()
    private var items: [Item] = []
    private var head = 0
    private var bytesHeld = 0
    private var running = 0
    private var stopped = false
    /// Exponential moving average of one item's service time, in seconds.
    private var averageServiceSeconds = 0.5
    private let onDepthChange: @Sendable (_ waiting: Int, _ running: Int) -> Void

    init(limits: InferenceQueue.Limits, onDepthChange: @escaping @Sendable (Int, Int) -> Void) {
        self.limits = limits
        self.onDepthChange = onDepthChange
    }

    /// Starts the worker threads; each retains the core until `stop()` lets it return.
    func startWorkers() {
        for index in 0..<max(1, limits.workers) {
            let thread = Thread { self.workerLoop() }
            thread.name = "hkt-infer-\(index)"
            thread.stackSize = 8 << 20
            thread.start()
        }
    }

    var depth: (waiting: Int, running: Int) {
        condition.lock(); defer { condition.unlock() }
        return (items.count - head, running)
    }

    var isSaturated: Bool {
        condition.lock(); defer { condition.unlock() }
        return items.count - head >= limits.maxDepth
    }

    func submit<T: Sendable>(
        bytes: Int, deadline: ContinuousClock.Instant?,
        _ work: @escaping @Sendable (_ queueWait: Duration) throws -> T
    ) async throws -> T {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, Error>) in
            let item = Item(bytes: bytes, enqueued: .now, deadline: deadline) { waited, expired in
                if expired {
                    continuation.resume(throwing: ServiceError.deadlineExceeded(
                        "the request's deadline passed after \(Self.milliseconds(waited)) ms in the queue"))
                    return
                }
                continuation.resume(with: Result { try work(waited) })
            }
            condition.lock()
            let waiting = items.count - head
            if stopped {
                condition.unlock()
                continuation.resume(throwing: ServiceError.notReady("the server is shutting down"))
                return
            }
            if waiting >= limits.maxDepth || (bytesHeld + bytes > limits.maxBytes && waiting + running > 0) {
                let retry = retryAfterLocked(waiting: waiting)
                condition.unlock()
                continuation.resume(throwing: ServiceError.queueFull(retryAfterSeconds: retry))
                return
            }
            items.append(item)
            bytesHeld += bytes
            let (w, r) = (items.count - head, running)
            condition.signal()
            condition.unlock()
            onDepthChange(w, r)
        }
    }

    /// Seconds until the queue has likely room again: the waiting items times the average service
    /// time, spread over the workers; at least one second.
    private func retryAfterLocked(waiting: Int) -> Int {
        let seconds = Double(waiting + running) * averageServiceSeconds / Double(max(1, limits.workers))
        return max(1, Int(seconds.rounded(.up)))
    }

    func stop() {
        condition.lock()
        stopped = true
        condition.broadcast()
        condition.unlock()
    }

    private func workerLoop() {
        while true {
            condition.lock()
            while head == items.count && !stopped { condition.wait() }
            if head == items.count && stopped { condition.unlock(); return }
            let item = items[head]
            head += 1
            if head > 64 && head * 2 > items.count { items.removeFirst(head); head = 0 }
            running += 1
            let (w, r) = (items.count - head, running)
            condition.unlock()
            onDepthChange(w, r)

            let started = ContinuousClock.now
            let waited = started - item.enqueued
            let expired = item.deadline.map { started > $0 } ?? false
            item.run(waited, expired)
            let served = (ContinuousClock.now - started)

            condition.lock()
            running -= 1
            bytesHeld -= item.bytes
            if !expired {
                averageServiceSeconds = 0.8 * averageServiceSeconds + 0.2 * served.seconds
            }
            let (w2, r2) = (items.count - head, running)
            condition.unlock()
            onDepthChange(w2, r2)
        }
    }

    static func milliseconds(_ d: Duration) -> Int { Int(d.seconds * 1000) }
}

extension Duration {
    /// The duration in seconds as a `Double`.
    var seconds: Double {
        let (s, atto) = components
        return Double(s) + Double(atto) / 1e18
    }
}
