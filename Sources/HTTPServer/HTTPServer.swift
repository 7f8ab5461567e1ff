import Logging
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An HTTP/1.1 server on POSIX sockets and epoll (Linux).
///
/// Sockets are non-blocking and driven by a few epoll I/O threads (one per core by default);
/// accepting, parsing and writing happen there, while handlers run as Swift tasks on the
/// global executor (or, for routes marked ``HandlerExecution/inline``, start on the I/O
/// thread), so a slow handler never delays other connections.
/// Each response (head + body) is written with one `send` when the socket accepts it.
///
/// ```swift
/// let router = Router()
/// router.get("/healthz") { _ in .json(200, #"{"status":"ok"}"#) }
/// let server = HTTPServer(configuration: .init(), router: router, logger: Logger(label: "http"))
/// try server.start()
/// await server.shutdown(deadline: .seconds(10))
/// ```
public final class HTTPServer: Sendable {
    /// Called on an I/O thread after each response is queued for writing: the request (with
    /// `pathParameters`), the matched route pattern (nil for 404/405/parse errors), the response
    /// and the time from complete request to response in seconds. Keep it cheap (metrics).
    public typealias Observer = @Sendable (HTTPRequest, _ routePattern: String?, HTTPResponse, _ durationSeconds: Double) -> Void

    private struct State: @unchecked Sendable {
        var started = false
        var shutDown = false
        var boundPort = 0
        var observer: Observer?
        var listenerFD: Int32 = -1
        var loops: [IOLoop] = []
        var context: ServerContext?
    }

    /// The configuration the server was created with.
    public let configuration: Configuration
    private let router: Router
    private let logger: Logger
    private let state = Mutex(State())

    /// A server that will serve `router` (snapshotted at ``start()``) and log through `logger`
    /// (one `info` line per request; set the level to `warning` to silence the access log).
    public init(configuration: Configuration, router: Router, logger: Logger) {
        self.configuration = configuration
        self.router = router
        self.logger = logger
    }

    /// The port actually bound (differs from the configured one when that was 0); 0 before `start()`.
    public var boundPort: Int { state.withLock { $0.boundPort } }

    /// Hook for metrics and tracing; set before ``start()`` (later changes are ignored).
    public var observer: Observer? {
        get { state.withLock { $0.observer } }
        set { state.withLock { $0.observer = newValue } }
    }

    /// Number of open client connections (for tests and readiness).
    public var connectionCount: Int { state.withLock { $0.context }?.connections.load(ordering: .relaxed) ?? 0 }

    /// Binds, listens and starts accepting; returns at once.
    /// - Throws: ``HTTPServerError`` naming the address and the OS error (e.g. address in use).
    public func start() throws(HTTPServerError) {
        let already = state.withLock { s -> Bool in
            if s.started { return true }
            s.started = true
            return false
        }
        if already { throw .alreadyStarted }
        let (fd, port): (Int32, Int)
        var host = configuration.host
        do {
            (fd, port) = try Socket.listen(host: configuration.host, port: configuration.port, backlog: configuration.backlog)
        } catch let error {
            // "::" on a host without IPv6: serve IPv4 rather than not at all.
            if configuration.host == "::", case .socket(_, _, let e) = error, e == EAFNOSUPPORT || e == EADDRNOTAVAIL,
               let v4 = try? Socket.listen(host: "0.0.0.0", port: configuration.port, backlog: configuration.backlog) {
                logger.warning("IPv6 is unavailable (\(error)); listening on 0.0.0.0 (IPv4 only)")
                (fd, port) = v4
                host = "0.0.0.0"
            } else {
                state.withLock { $0.started = false }
                throw error
            }
        }
        let observer = state.withLock { $0.observer }
        let ctx = ServerContext(configuration: configuration, routes: router.snapshot(), logger: logger, observer: observer)
        let n = configuration.ioThreads > 0 ? configuration.ioThreads : max(1, sysconf(Int32(_SC_NPROCESSORS_ONLN)))
        let loops = (0..<n).map { IOLoop(index: $0, context: ctx, listenerFD: fd) }
        state.withLock {
            $0.boundPort = port
            $0.listenerFD = fd
            $0.loops = loops
            $0.context = ctx
        }
        for l in loops { l.start() }
        let display = host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
        logger.info("listening on \(display)", metadata: ["backlog": "\(configuration.backlog)", "max_connections": "\(configuration.maxConnections)", "io_threads": "\(n)"])
    }

    /// Graceful drain: stops accepting (new connections are refused), closes idle keep-alive
    /// connections, lets in-flight requests finish and answers them with `Connection: close`,
    /// then after `deadline` closes whatever is left. Returns when every connection is closed.
    public func shutdown(deadline: Duration) async {
        let (fd, loops, ctx, already) = state.withLock { s -> (Int32, [IOLoop], ServerContext?, Bool) in
            let r = (s.listenerFD, s.loops, s.context, s.shutDown)
            s.shutDown = true
            s.listenerFD = -1
            return r
        }
        guard let ctx, !already else { return }
        // Every loop stops watching the listener before it is closed, so no loop can accept on
        // a descriptor number that the kernel has meanwhile reused.
        let stopped = Atomic<Int>(0)
        for l in loops {
            l.execute {
                l.stopAccepting()
                if stopped.add(1, ordering: .acquiringAndReleasing).newValue == loops.count { close(fd) }
                l.beginDrain()
            }
        }
        let clock = ContinuousClock()
        let end = clock.now.advanced(by: deadline)
        while ctx.connections.load(ordering: .relaxed) > 0 && clock.now < end {
            try? await Task.sleep(for: .milliseconds(5))
        }
        let left = ctx.connections.load(ordering: .relaxed)
        if left > 0 {
            logger.warning("shutdown deadline passed; closing \(left) connection(s)")
            for l in loops { l.execute { l.closeAll() } }
            let hard = clock.now.advanced(by: .seconds(2))
            while ctx.connections.load(ordering: .relaxed) > 0 && clock.now < hard {
                try? await Task.sleep(for: .milliseconds(5))
            }
        }
        for l in loops { l.execute { l.stop() } }
        logger.info("HTTP server stopped")
    }
}

/// Immutable state shared by the acceptor, the loops and the connections.
final class ServerContext: @unchecked Sendable {
    let configuration: HTTPServer.Configuration
    let routes: RouteTable
    let logger: Logger
    let observer: HTTPServer.Observer?
    /// Open, accepted connections (rejected-over-limit ones are not counted).
    let connections = Atomic<Int>(0)
    let logRequests: Bool

    init(configuration: HTTPServer.Configuration, routes: RouteTable, logger: Logger, observer: HTTPServer.Observer?) {
        self.configuration = configuration
        self.routes = routes
        self.logger = logger
        self.observer = observer
        self.logRequests = logger.logLevel <= .info
    }
}
