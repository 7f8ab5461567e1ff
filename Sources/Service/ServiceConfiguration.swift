import Imaging

/// Everything the service is told at start-up (flags with `HKT_*` environment fallbacks).
public struct ServiceConfiguration: Sendable {
    public var host = "::"
    public var port = 8080
    /// Weights files or directories of them.
    public var weights: [String] = ["weights"]
    public var defaultModel: String?
    /// Serve without any model (health and metrics only; predict answers 503).
    public var allowNoModel = false
    /// Threads the engine uses in total (see `CPUQuota`).
    public var threads = 1
    public var queue = InferenceQueue.Limits()
    public var decodeLimits = DecodeLimits()
    public var maxBodyBytes = 64 << 20
    public var maxConnections = 4096
    /// Seconds in-flight requests get to finish after SIGTERM.
    public var drainSeconds = 30
    /// Bearer token for predict routes; nil leaves them open.
    public var apiToken: String?
    /// Bearer token for `/admin/*`; nil disables the admin routes.
    public var adminToken: String?
    public var logFormat = "text"
    public var logLevel = "info"
    public init() {}

    /// `key = value` lines for `--print-config` (tokens redacted).
    public var printable: String {
        let pairs: [(String, String)] = [
            ("host", host), ("port", String(port)), ("weights", weights.joined(separator: ",")),
            ("default_model", defaultModel ?? "(weights/DEFAULT, else the first)"),
            ("allow_no_model", String(allowNoModel)), ("threads", String(threads)),
            ("workers", String(queue.workers)), ("queue_depth", String(queue.maxDepth)),
            ("queue_bytes", String(queue.maxBytes)), ("max_body_bytes", String(maxBodyBytes)),
            ("max_pixels", String(decodeLimits.maxPixels)), ("max_connections", String(maxConnections)),
            ("drain_seconds", String(drainSeconds)), ("api_token", apiToken == nil ? "(none)" : "(set)"),
            ("admin_token", adminToken == nil ? "(none)" : "(set)"), ("log_format", logFormat),
            ("log_level", logLevel),
        ]
        return pairs.map { "\($0.0) = \($0.1)" }.joined(separator: "\n")
    }
}
