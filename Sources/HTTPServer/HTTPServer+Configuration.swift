extension HTTPServer {
    /// Listener, limits and timeouts. Defaults suit a public-facing inference service.
    public struct Configuration: Sendable {
        /// Address to bind: `"::"` (dual-stack IPv6+IPv4, the default), `"0.0.0.0"`,
        /// `"127.0.0.1"`, `"::1"`, `"localhost"` (→ 127.0.0.1) or any numeric IPv4/IPv6 address.
        public var host: String = "::"
        /// TCP port; 0 picks an ephemeral port (read it back from ``HTTPServer/boundPort``).
        public var port: Int = 8080
        /// `listen(2)` backlog.
        public var backlog: Int = 1024
        /// Most simultaneous connections; one more is answered 503 (JSON, `Retry-After: 1`) and closed.
        public var maxConnections: Int = 4096
        /// Parser size limits (URI 414, headers 431, body 413).
        public var limits: HTTPParserLimits = .init()
        /// Time allowed from a connection's (or a request's) first byte until its header section
        /// is complete; slow senders get 408 and are closed (slowloris defence).
        public var headerTimeout: Duration = .seconds(10)
        /// Longest silence while a request body is being received (408 beyond).
        public var bodyIdleTimeout: Duration = .seconds(30)
        /// How long an idle keep-alive connection is kept open between requests.
        public var keepAliveTimeout: Duration = .seconds(60)
        /// Longest time a response may wait for the peer to accept more bytes before the
        /// connection is dropped.
        public var writeTimeout: Duration = .seconds(30)
        /// Most requests served on one connection before it is closed (`Connection: close`).
        public var maxRequestsPerConnection: Int = 100_000
        /// Value of the `Server` header; empty omits it.
        public var serverName: String = "hkt-serve"
        /// Number of epoll I/O threads (0 = one per CPU core).
        public var ioThreads: Int = 0

        public init() {}
    }
}

extension Duration {
    /// Whole nanoseconds (saturating), for deadline arithmetic on the monotonic clock.
    var nanoseconds: UInt64 {
        let (s, a) = components
        if s < 0 { return 0 }
        let ns = UInt64(s).multipliedReportingOverflow(by: 1_000_000_000)
        if ns.overflow { return .max }
        return ns.partialValue &+ UInt64(a / 1_000_000_000)
    }
}
