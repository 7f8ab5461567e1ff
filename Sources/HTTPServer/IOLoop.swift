@preconcurrency import Dispatch
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One serial I/O queue with the connections assigned to it, a read scratch buffer, the
/// response serializer (with its per-second Date cache) and one coarse timer that enforces
/// every timeout of its connections (cheaper than a timer per connection).
final class IOLoop: @unchecked Sendable {  // all mutable state is touched only on `queue`
    let queue: DispatchQueue
    let context: ServerContext
    var connections: [ObjectIdentifier: Connection] = [:]
    let scratch: UnsafeMutableRawBufferPointer
    var serializer: ResponseSerializer
    var draining = false
    private var timer: DispatchSourceTimer?

    init(index: Int, context: ServerContext) {
        queue = DispatchQueue(label: "hkt.http.io.\(index)")
        self.context = context
        scratch = UnsafeMutableRawBufferPointer.allocate(byteCount: 64 * 1024, alignment: 16)
        serializer = ResponseSerializer(serverName: context.configuration.serverName)
    }

    deinit { scratch.deallocate() }

    func start() {
        let c = context.configuration
        // Tick at a quarter of the shortest timeout, between 10 ms and 250 ms.
        let shortest = [c.headerTimeout, c.bodyIdleTimeout, c.keepAliveTimeout, c.writeTimeout].min()!.nanoseconds
        let tick = min(max(shortest / 4, 10_000_000), 250_000_000)
        let t = DispatchSource.makeTimerSource(queue: queue)
        t.schedule(deadline: .now() + .nanoseconds(Int(tick)), repeating: .nanoseconds(Int(tick)), leeway: .milliseconds(5))
        t.setEventHandler { [unowned self] in
            let now = monotonicNanos()
            for conn in Array(connections.values) { conn.checkTimeouts(now: now) }
        }
        timer = t
        t.resume()
    }

    func register(_ conn: Connection) {
        connections[ObjectIdentifier(conn)] = conn
        conn.start()
    }

    func remove(_ conn: Connection) {
        connections.removeValue(forKey: ObjectIdentifier(conn))
    }

    func beginDrain() {
        draining = true
        for conn in Array(connections.values) { conn.drain() }
    }

    func closeAll() {
        for conn in Array(connections.values) { conn.close() }
    }

    func stop() {
        timer?.cancel()
        timer = nil
    }
}

/// Monotonic clock in nanoseconds (vDSO, no syscall).
@inline(__always) func monotonicNanos() -> UInt64 {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return UInt64(ts.tv_sec) &* 1_000_000_000 &+ UInt64(ts.tv_nsec)
}
