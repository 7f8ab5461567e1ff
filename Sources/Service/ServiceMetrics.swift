import CoreMetrics
import Foundation
import Metrics
import Prometheus

/// The service's metrics, emitted through swift-metrics into a Prometheus registry.
///
/// Labels are bounded: routes are templates (`/v1/models/{model}/predict`), never raw paths;
/// model names come from the loaded set.
public final class ServiceMetrics: Sendable {
    public let registry: PrometheusCollectorRegistry
    private let factory: PrometheusMetricsFactory
    private let queueDepth: Metrics.Gauge
    private let inflight: Metrics.Gauge
    private let processRSS: Metrics.Gauge
    private let processCPU: FloatingPointCounter
    private let cpuSecondsReported = LockedValue(0.0)
    private let processFDs: Metrics.Gauge
    private let startTime: Metrics.Gauge

    public init(registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry()) {
        self.registry = registry
        var factory = PrometheusMetricsFactory(registry: registry)
        let latency: [Duration] = [
            .milliseconds(1), .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50),
            .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1), .milliseconds(2500),
            .seconds(5), .seconds(10),
        ]
        factory.defaultDurationHistogramBuckets = latency
        factory.valueHistogramBuckets["hkt_anomaly_score"] = [
            0.02, 0.05, 0.1, 0.15, 0.2, 0.3, 0.5, 0.75, 1, 1.5, 2, 3, 5,
        ]
        self.factory = factory
        queueDepth = Metrics.Gauge(label: "hkt_queue_depth", factory: factory)
        inflight = Metrics.Gauge(label: "hkt_inflight_requests", factory: factory)
        processRSS = Metrics.Gauge(label: "process_resident_memory_bytes", factory: factory)
        processCPU = FloatingPointCounter(label: "process_cpu_seconds_total", factory: factory)
        processFDs = Metrics.Gauge(label: "process_open_fds", factory: factory)
        startTime = Metrics.Gauge(label: "process_start_time_seconds", factory: factory)
        startTime.record(Date().timeIntervalSince1970)
    }

    /// One finished HTTP request.
    public func request(route: String, method: String, status: Int, seconds: Double) {
        Metrics.Counter(label: "hkt_http_requests_total",
                dimensions: [("route", route), ("method", method), ("status", String(status))], factory: factory)
            .increment()
        Metrics.Timer(label: "hkt_http_request_duration_seconds", dimensions: [("route", route)], factory: factory)
            .recordNanoseconds(Int64(seconds * 1e9))
    }

    /// Time spent in one stage: decode, queue_wait, inference, postprocess, encode.
    public func stage(_ name: String, seconds: Double) {
        Metrics.Timer(label: "hkt_stage_duration_seconds", dimensions: [("stage", name)], factory: factory)
            .recordNanoseconds(Int64(seconds * 1e9))
    }

    /// A refused request, by reason (the error code).
    public func rejection(_ reason: String) {
        Metrics.Counter(label: "hkt_rejections_total", dimensions: [("reason", reason)], factory: factory).increment()
    }

    /// One image score, to watch drift per model.
    public func score(_ value: Float, model: String) {
        Metrics.Recorder(label: "hkt_anomaly_score", dimensions: [("model", model)], factory: factory)
            .record(Double(value))
        Metrics.Counter(label: "hkt_predictions_total", dimensions: [("model", model)], factory: factory).increment()
    }

    public func queue(waiting: Int, running: Int) {
        queueDepth.record(Double(waiting))
        inflight.record(Double(running))
    }

    /// `hkt_model_info{model,arch,category,version} 1` for each loaded model.
    public func modelInfo(_ models: [LoadedModel]) {
        for m in models {
            Metrics.Gauge(label: "hkt_model_info", dimensions: [
                ("model", m.name), ("arch", m.metadata.arch), ("category", m.metadata.category),
                ("version", m.metadata.version),
            ], factory: factory).record(1)
        }
    }

    /// The Prometheus text exposition, with process figures read fresh from /proc.
    public func render() -> [UInt8] {
        let process = ProcessStats.read()
        processRSS.record(Double(process.residentBytes))
        // A counter by Prometheus convention: add what was used since the last scrape.
        let delta = cpuSecondsReported.exchange(process.cpuSeconds)
        if process.cpuSeconds > delta { processCPU.increment(by: process.cpuSeconds - delta) }
        processFDs.record(Double(process.openFDs))
        return registry.emitToBuffer()
    }
}

/// A value behind a lock.
final class LockedValue<T: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: T
    init(_ value: T) { self.value = value }
    /// Stores `new` and returns the previous value.
    func exchange(_ new: T) -> T {
        lock.lock(); defer { lock.unlock() }
        let old = value
        value = new
        return old
    }
}

/// Resident memory, CPU time and open descriptors of this process, from procfs.
struct ProcessStats {
    var residentBytes = 0
    var cpuSeconds = 0.0
    var openFDs = 0

    static func read() -> ProcessStats {
        var stats = ProcessStats()
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        let ticks = Double(sysconf(Int32(_SC_CLK_TCK)))
        if let statm = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) {
            let fields = statm.split(separator: " ")
            if fields.count > 1, let pages = Int(fields[1]) { stats.residentBytes = pages * page }
        }
        if let stat = try? String(contentsOfFile: "/proc/self/stat", encoding: .utf8),
           let close = stat.lastIndex(of: ")") {
            // Fields after the command name; utime and stime are the 12th and 13th of those.
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            if fields.count > 12, let u = Double(fields[11]), let s = Double(fields[12]) {
                stats.cpuSeconds = (u + s) / ticks
            }
        }
        stats.openFDs = ((try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd"))?.count ?? 1) - 1
        return stats
    }
}
