import Foundation
import Testing
@testable import Service

@Suite struct InferenceQueueTests {
    @Test func runsWorkAndReturnsResults() async throws {
        let queue = InferenceQueue(limits: .init())
        defer { queue.stop() }
        let value = try await queue.submit(bytes: 10) { _ in 42 }
        #expect(value == 42)
    }

    @Test func fullQueueRejectsWithRetryAfter() async throws {
        var limits = InferenceQueue.Limits()
        limits.maxDepth = 1
        let queue = InferenceQueue(limits: limits)
        defer { queue.stop() }
        let gate = Gate()
        // One running (blocked), one waiting: the third must be refused at once.
        let running = Task { try await queue.submit(bytes: 1) { _ in gate.wait(); return 1 } }
        try await until { queue.depth.running == 1 }
        let waiting = Task { try await queue.submit(bytes: 1) { _ in 2 } }
        try await until { queue.depth.waiting == 1 }
        do {
            _ = try await queue.submit(bytes: 1) { _ in 3 }
            Issue.record("expected queueFull")
        } catch let error as ServiceError {
            #expect(error.status == 503)
            #expect(error.extraHeaders.contains { $0.0 == "Retry-After" && Int($0.1)! >= 1 })
        }
        gate.open()
        #expect(try await running.value == 1)
        #expect(try await waiting.value == 2)
    }

    @Test func byteLimitRejects() async throws {
        var limits = InferenceQueue.Limits()
        limits.maxBytes = 100
        let queue = InferenceQueue(limits: limits)
        defer { queue.stop() }
        let gate = Gate()
        let first = Task { try await queue.submit(bytes: 80) { _ in gate.wait(); return 1 } }
        try await until { queue.depth.running == 1 }
        await #expect(throws: ServiceError.self) { try await queue.submit(bytes: 80) { _ in 2 } }
        gate.open()
        #expect(try await first.value == 1)
    }

    @Test func passedDeadlineSkipsTheWork() async throws {
        let queue = InferenceQueue(limits: .init())
        defer { queue.stop() }
        let gate = Gate()
        let ran = Flag()
        let blocker = Task { try await queue.submit(bytes: 1) { _ in gate.wait(); return 0 } }
        try await until { queue.depth.running == 1 }
        let late = Task { try await queue.submit(bytes: 1, deadline: .now + .milliseconds(50)) { _ in ran.set(); return 1 } }
        try await until { queue.depth.waiting == 1 }
        try await Task.sleep(for: .milliseconds(100))
        gate.open()
        _ = try await blocker.value
        do {
            _ = try await late.value
            Issue.record("expected deadlineExceeded")
        } catch let error as ServiceError {
            #expect(error.status == 504)
        }
        #expect(!ran.isSet)
    }
}

/// Polls `condition` every 5 ms for up to 10 s (the machine may be loaded).
func until(_ condition: () -> Bool) async throws {
    for _ in 0..<2000 where !condition() { try await Task.sleep(for: .milliseconds(5)) }
    #expect(condition())
}

/// A one-shot gate a worker thread blocks on.
final class Gate: @unchecked Sendable {
    private let semaphore = DispatchSemaphore(value: 0)
    func wait() { semaphore.wait() }
    func open() { semaphore.signal() }
}

final class Flag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false
    func set() { lock.lock(); value = true; lock.unlock() }
    var isSet: Bool { lock.lock(); defer { lock.unlock() }; return value }
}
