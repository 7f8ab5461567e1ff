import CLinuxIO
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// One I/O thread running an epoll loop: it accepts on the shared listening socket
/// (`EPOLLEXCLUSIVE`, so one loop wakes per new connection), reads, parses and writes for the
/// connections it accepted, runs closures posted from other threads (handler completions),
/// and enforces every timeout with one coarse tick instead of a timer per connection.
///
/// Why epoll and not `DispatchSource`: on Linux a dispatch source costs a manager-thread
/// handoff, an eventfd wake and an `epoll_ctl` re-arm per event; a plain level-triggered epoll
/// loop answers an inline request with `epoll_wait` + `recv` + `send` on one thread.
final class IOLoop: @unchecked Sendable {  // mutable state is touched only on the loop thread
    let index: Int
    let context: ServerContext
    private let epfd: Int32
    private let wakeFD: Int32
    private let listenerFD: Int32
    private var listening = false

    private var connections: [UInt64: Connection] = [:]
    private var nextID: UInt64 = 2  // 0 = wake eventfd, 1 = listener
    let scratch: UnsafeMutableRawBufferPointer
    var serializer: ResponseSerializer
    private(set) var draining = false
    private var running = true
    private let tickNanos: UInt64
    private var nextTick: UInt64 = 0
    private var acceptPausedUntil: UInt64 = 0

    private let posted = Mutex<[@Sendable () -> Void]>([])

    private static let wakeTag: UInt64 = 0
    private static let listenerTag: UInt64 = 1

    init(index: Int, context: ServerContext, listenerFD: Int32) {
        self.index = index
        self.context = context
        self.listenerFD = listenerFD
        epfd = epoll_create1(Int32(EPOLL_CLOEXEC))
        wakeFD = eventfd(0, Int32(EFD_NONBLOCK) | Int32(EFD_CLOEXEC))
        scratch = UnsafeMutableRawBufferPointer.allocate(byteCount: 64 * 1024, alignment: 16)
        serializer = ResponseSerializer(serverName: context.configuration.serverName)
        let c = context.configuration
        // Tick at a quarter of the shortest timeout, between 10 ms and 250 ms.
        let shortest = [c.headerTimeout, c.bodyIdleTimeout, c.keepAliveTimeout, c.writeTimeout].min()!.nanoseconds
        tickNanos = min(max(shortest / 4, 10_000_000), 250_000_000)
        control(EPOLL_CTL_ADD, wakeFD, events: EPOLLIN.rawValue, tag: IOLoop.wakeTag)
    }

    deinit {
        scratch.deallocate()
        close(epfd)
        close(wakeFD)
    }

    /// Starts the loop's thread (it accepts from the listener right away).
    func start() {
        listening = true
        control(EPOLL_CTL_ADD, listenerFD, events: EPOLLIN.rawValue | EPOLLEXCLUSIVE.rawValue, tag: IOLoop.listenerTag)
        var tid = pthread_t()
        let box = Unmanaged.passRetained(self).toOpaque()
        let rc = pthread_create(&tid, nil, { arg in
            let loop = Unmanaged<IOLoop>.fromOpaque(arg!).takeRetainedValue()
            loop.run()
            return nil
        }, box)
        precondition(rc == 0, "pthread_create failed: \(rc)")
        pthread_detach(tid)
    }

    /// Runs `body` on the loop thread soon (thread-safe).
    func execute(_ body: @escaping @Sendable () -> Void) {
        let wasEmpty = posted.withLock { q -> Bool in
            let e = q.isEmpty
            q.append(body)
            return e
        }
        if wasEmpty {
            var one: UInt64 = 1
            _ = write(wakeFD, &one, 8)
        }
    }

    @discardableResult
    private func control(_ op: Int32, _ fd: Int32, events: UInt32, tag: UInt64) -> Int32 {
        var ev = epoll_event()
        ev.events = events
        ev.data.u64 = tag
        return epoll_ctl(epfd, op, fd, &ev)
    }

    // MARK: - Loop

    private func run() {
        let maxEvents = 256
        let events = UnsafeMutablePointer<epoll_event>.allocate(capacity: maxEvents)
        defer { events.deallocate() }
        nextTick = monotonicNanos() &+ tickNanos
        while running {
            let now0 = monotonicNanos()
            let waitMs = nextTick > now0 ? Int32(min((nextTick - now0) / 1_000_000 + 1, 250)) : 0
            let n = epoll_wait(epfd, events, Int32(maxEvents), waitMs)
            if n < 0 && errno != EINTR { break }
            if n > 0 {
                for i in 0..<Int(n) {
                    let ev = events[i]
                    let tag = ev.data.u64
                    switch tag {
                    case IOLoop.wakeTag:
                        var v: UInt64 = 0
                        _ = read(wakeFD, &v, 8)
                    case IOLoop.listenerTag:
                        acceptAll()
                    default:
                        connections[tag]?.handle(events: ev.events)
                    }
                }
            }
            runPosted()
            let now = monotonicNanos()
            if now >= nextTick {
                nextTick = now &+ tickNanos
                if acceptPausedUntil != 0 && now >= acceptPausedUntil && listening {
                    acceptPausedUntil = 0
                    control(EPOLL_CTL_ADD, listenerFD, events: EPOLLIN.rawValue | EPOLLEXCLUSIVE.rawValue, tag: IOLoop.listenerTag)
                }
                for conn in Array(connections.values) { conn.checkTimeouts(now: now) }
            }
        }
        for conn in Array(connections.values) { conn.close() }
    }

    private func runPosted() {
        while true {
            let work = posted.withLock { q -> [@Sendable () -> Void] in
                let w = q
                q.removeAll(keepingCapacity: true)
                return w
            }
            if work.isEmpty { return }
            for w in work { w() }
        }
    }

    // MARK: - Accepting

    private func acceptAll() {
        guard listening else { return }
        // A bounded batch per wake-up: the listener is level-triggered, so what is left wakes
        // another (idle) loop instead of all of a connection burst landing on this one.
        for _ in 0..<16 {
            var ss = sockaddr_storage()
            var len = socklen_t(MemoryLayout<sockaddr_storage>.size)
            let fd = withUnsafeMutablePointer(to: &ss) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    accept(listenerFD, $0, &len)
                }
            }
            if fd < 0 {
                let e = errno
                if e == EINTR || e == ECONNABORTED { continue }
                if e == EAGAIN || e == EWOULDBLOCK { return }
                if e == EMFILE || e == ENFILE || e == ENOBUFS || e == ENOMEM {
                    // Out of descriptors: stop watching the listener for a while instead of spinning.
                    context.logger.error("accept failed: \(errnoText(e)); pausing accepts for 100 ms (raise ulimit -n or lower maxConnections)")
                    control(EPOLL_CTL_DEL, listenerFD, events: 0, tag: 0)
                    acceptPausedUntil = monotonicNanos() &+ 100_000_000
                    return
                }
                context.logger.error("accept failed: \(errnoText(e))")
                return
            }
            // accept4 is not exported by the Glibc module; two fcntl calls per connection are cheap.
            Socket.setNonBlocking(fd)
            _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
            Socket.setNoDelay(fd)
            let over = context.connections.load(ordering: .relaxed) >= context.configuration.maxConnections
            if !over { context.connections.add(1, ordering: .relaxed) }
            let id = nextID
            nextID &+= 1
            let conn = Connection(fd: fd, id: id, remote: Socket.describe(ss), loop: self, rejected: over)
            connections[id] = conn
            control(EPOLL_CTL_ADD, fd, events: EPOLLIN.rawValue | EPOLLRDHUP.rawValue, tag: id)
            conn.start()
        }
    }

    // MARK: - Used by connections

    func setInterest(_ conn: Connection, read: Bool, write: Bool) {
        var ev: UInt32 = 0
        if read { ev |= EPOLLIN.rawValue | EPOLLRDHUP.rawValue }
        if write { ev |= EPOLLOUT.rawValue }
        control(EPOLL_CTL_MOD, conn.fd, events: ev, tag: conn.id)
    }

    func remove(_ conn: Connection) {
        control(EPOLL_CTL_DEL, conn.fd, events: 0, tag: 0)
        connections.removeValue(forKey: conn.id)
    }

    // MARK: - Shutdown (called via execute)

    /// Stops accepting; `done` runs on this thread once the listener is no longer watched.
    func stopAccepting() {
        if listening {
            listening = false
            if acceptPausedUntil == 0 { control(EPOLL_CTL_DEL, listenerFD, events: 0, tag: 0) }
        }
    }

    func beginDrain() {
        draining = true
        for conn in Array(connections.values) { conn.drain() }
    }

    func closeAll() {
        for conn in Array(connections.values) { conn.close() }
    }

    func stop() { running = false }
}

/// Monotonic clock in nanoseconds (vDSO, no syscall).
@inline(__always) func monotonicNanos() -> UInt64 {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return UInt64(ts.tv_sec) &* 1_000_000_000 &+ UInt64(ts.tv_nsec)
}

func errnoText(_ e: Int32) -> String {
    guard let p = strerror(e) else { return "errno \(e)" }
    return String(decoding: UnsafeRawBufferPointer(start: p, count: strlen(p)), as: UTF8.self)
}
