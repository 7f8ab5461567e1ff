import Logging
import Synchronization

/// A handler: gets a complete request, returns a response or throws. Runs on Swift
/// concurrency's global executor, never on the server's I/O threads. Throw an
/// ``HTTPResponseError`` for a specific status; any other error becomes 500 `internal`.
public typealias HTTPHandler = @Sendable (HTTPRequest) async throws -> HTTPResponse

/// Method + path routing with `{param}` segments, e.g. `"/v1/models/{model}/predict"`.
///
/// Routes are added before ``HTTPServer/start()``; the server takes a snapshot at start, so
/// routes added later are not served. A literal segment wins over a `{param}` segment at the
/// same position. `GET` routes also answer `HEAD` (the body is not sent). A path that matches a
/// pattern with another method gets 405 with `Allow`; no match at all gets 404.
public final class Router: Sendable {
    private let table = Mutex(RouteTable())

    public init() {}

    /// Adds a route. `pattern` must start with `/`; a segment `{name}` matches one non-empty
    /// path segment and is passed as `pathParameters[name]` (percent-decoded).
    public func add(_ method: String, _ pattern: String, _ handler: @escaping HTTPHandler) {
        add(method, pattern, execution: .task, handler)
    }

    /// Adds a route with an explicit ``HandlerExecution`` (e.g. `.inline` for a health check).
    public func add(_ method: String, _ pattern: String, execution: HandlerExecution, _ handler: @escaping HTTPHandler) {
        let route = Route(method: method, pattern: pattern, execution: execution, handler: handler)
        table.withLock { $0.add(route) }
    }

    /// Shorthand for `add("GET", pattern, handler)`.
    public func get(_ pattern: String, _ handler: @escaping HTTPHandler) { add("GET", pattern, handler) }
    /// Shorthand for `add("POST", pattern, handler)`.
    public func post(_ pattern: String, _ handler: @escaping HTTPHandler) { add("POST", pattern, handler) }
    /// Shorthand for `add("PUT", pattern, handler)`.
    public func put(_ pattern: String, _ handler: @escaping HTTPHandler) { add("PUT", pattern, handler) }
    /// Shorthand for `add("DELETE", pattern, handler)`.
    public func delete(_ pattern: String, _ handler: @escaping HTTPHandler) { add("DELETE", pattern, handler) }

    /// The routes as an immutable table (what the server serves from).
    func snapshot() -> RouteTable { table.withLock { $0 } }

    /// Resolves `request` against the current routes (for tests and for other protocols).
    public func match(_ request: HTTPRequest) -> RouteMatch { snapshot().match(method: request.method, target: request.target, path: request.path) }
}

extension Router {
    /// Runs a matched handler for either protocol: a thrown `HTTPResponseError` renders itself,
    /// anything else is logged and becomes a 500 that names the request id.
    static func respond(with handler: HTTPHandler, to request: HTTPRequest, pattern: String, logger: Logger) async -> HTTPResponse {
        do {
            return try await handler(request)
        } catch let e as any HTTPResponseError {
            return e.response
        } catch {
            logger.error("handler failed: \(error)", metadata: ["request_id": "\(request.requestID)", "route": "\(pattern)"])
            return .error(500, code: "internal", message: "internal server error (request id \(request.requestID))")
        }
    }
}

extension HTTPResponse {
    /// 404 for a path no route matches.
    static func notFound(_ request: HTTPRequest) -> HTTPResponse {
        .error(404, code: "not_found", message: "no route for \(request.path)")
    }

    /// 405 with the `Allow` header listing the methods the path has.
    static func methodNotAllowed(_ request: HTTPRequest, allow: [String]) -> HTTPResponse {
        let methods = allow.joined(separator: ", ")
        var r = HTTPResponse.error(405, code: "method_not_allowed",
                                   message: "\(request.method) is not allowed on \(request.path); allowed: \(methods)")
        r.headers.add(name: "Allow", value: methods)
        return r
    }
}

/// Where a handler starts running.
public enum HandlerExecution: Sendable {
    /// In a new task on the global executor (the default): the handler never runs on an I/O
    /// thread, so it may compute or block briefly without delaying other connections.
    case task
    /// Synchronously on the connection's I/O thread until its first suspension point (then on
    /// the global executor). Saves two thread hops per request; only for handlers that answer at
    /// once without heavy work — health checks, small static answers, metrics text.
    case inline
}

/// The outcome of routing one request.
public enum RouteMatch: Sendable {
    /// A route matched: its handler, its pattern (for metrics) and the extracted parameters.
    case found(HTTPHandler, pattern: String, parameters: [String: String], execution: HandlerExecution)
    /// No pattern matches the path.
    case notFound
    /// Some pattern matches the path but not with this method; `allow` lists the methods that do.
    case methodNotAllowed(allow: [String])
}

struct Route: Sendable {
    enum Segment: Sendable, Equatable { case literal(String), parameter(String) }
    let method: String
    let pattern: String
    let segments: [Segment]
    let execution: HandlerExecution
    let handler: HTTPHandler

    init(method: String, pattern: String, execution: HandlerExecution = .task, handler: @escaping HTTPHandler) {
        self.method = method
        self.pattern = pattern
        self.execution = execution
        self.handler = handler
        self.segments = Route.split(pattern).map { s in
            if s.hasPrefix("{") && s.hasSuffix("}") && s.count >= 2 {
                return .parameter(String(s.dropFirst().dropLast()))
            }
            return .literal(s)
        }
    }

    static func split(_ path: String) -> [String] {
        path.split(separator: "/", omittingEmptySubsequences: false).dropFirst().map(String.init)
    }
}

/// An immutable set of routes with a fast path for all-literal patterns.
struct RouteTable: Sendable {
    private var routes: [Route] = []
    /// Literal path → method → route index.
    private var literal: [String: [String: Int]] = [:]
    /// Segment counts of routes with a `{param}` (they can shadow nothing literal-only).
    private var paramSegmentCounts: Set<Int> = []

    mutating func add(_ route: Route) {
        // A later registration of the same method+pattern replaces the earlier one.
        if let i = routes.firstIndex(where: { $0.method == route.method && $0.segments == route.segments }) {
            routes[i] = route
        } else {
            routes.append(route)
        }
        rebuildLiteral()
    }

    private mutating func rebuildLiteral() {
        literal = [:]
        paramSegmentCounts = []
        for r in routes where r.segments.contains(where: { if case .parameter = $0 { true } else { false } }) {
            paramSegmentCounts.insert(r.segments.count)
        }
        for (i, r) in routes.enumerated() where r.segments.allSatisfy({ if case .literal = $0 { true } else { false } }) {
            literal[r.pattern, default: [:]][r.method] = i
        }
    }

    func match(method: String, target: String, path: String) -> RouteMatch {
        if let byMethod = literal[path], !hasParamRouteMatching(path) {
            if let i = byMethod[method] ?? (method == "HEAD" ? byMethod["GET"] : nil) {
                return .found(routes[i].handler, pattern: routes[i].pattern, parameters: [:], execution: routes[i].execution)
            }
            return .methodNotAllowed(allow: allowList(Array(byMethod.keys)))
        }
        // Match on raw segments so an encoded "/" (%2F) inside a parameter stays inside it.
        let rawPath = rawPathOf(target)
        let segs = Route.split(rawPath)
        var best: (index: Int, score: [Bool], params: [String: String])? = nil
        var methods: [String] = []
        for (i, r) in routes.enumerated() where r.segments.count == segs.count {
            var params: [String: String] = [:]
            var score: [Bool] = []
            var ok = true
            for (seg, raw) in zip(r.segments, segs) {
                switch seg {
                case .literal(let l):
                    guard let d = decodeSegment(raw), d == l else { ok = false; break }
                    score.append(true)
                case .parameter(let name):
                    guard !raw.isEmpty, let d = decodeSegment(raw) else { ok = false; break }
                    params[name] = d
                    score.append(false)
                }
                if !ok { break }
            }
            guard ok else { continue }
            methods.append(r.method)
            guard r.method == method || (method == "HEAD" && r.method == "GET") else { continue }
            if let b = best {
                // Prefer literal segments earlier in the path; an exact method beats HEAD→GET.
                let better = isMoreSpecific(score, b.score)
                    || (score == b.score && r.method == method && routes[b.index].method != method)
                if better { best = (i, score, params) }
            } else {
                best = (i, score, params)
            }
        }
        if let b = best { return .found(routes[b.index].handler, pattern: routes[b.index].pattern, parameters: b.params, execution: routes[b.index].execution) }
        if methods.isEmpty { return .notFound }
        return .methodNotAllowed(allow: allowList(methods))
    }

    private func isMoreSpecific(_ a: [Bool], _ b: [Bool]) -> Bool {
        for (x, y) in zip(a, b) where x != y { return x }
        return false
    }

    /// Whether a parameterised route could also match `path` (then the slow path decides).
    private func hasParamRouteMatching(_ path: String) -> Bool {
        // Cheap and conservative: only when some parameter route has the same segment count.
        if paramSegmentCounts.isEmpty { return false }
        let n = path.utf8.reduce(0) { $0 + ($1 == 0x2F ? 1 : 0) }
        return paramSegmentCounts.contains(n)
    }

    private func allowList(_ methods: [String]) -> [String] {
        var set = Set(methods)
        if set.contains("GET") { set.insert("HEAD") }
        return set.sorted()
    }

    private func rawPathOf(_ target: String) -> String {
        var t = Substring(target)
        if !t.hasPrefix("/") {
            // absolute-form: drop scheme://authority
            if let r = t.firstRange(of: "://") { t = t[r.upperBound...]; t = t.firstIndex(of: "/").map { t[$0...] } ?? "/" }
        }
        if let q = t.firstIndex(of: "?") { t = t[..<q] }
        return t.isEmpty ? "/" : String(t)
    }

    private func decodeSegment(_ raw: String) -> String? {
        PercentDecoding.decode(ArraySlice(raw.utf8), plusAsSpace: false)
    }
}
