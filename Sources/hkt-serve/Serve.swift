import ArgumentParser
import Dispatch
import Foundation
import HTTPServer
import Inference
import Logging
import Service

/// `hkt-serve serve`: load the weights, warm up, and answer HTTP until SIGTERM.
struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Serve the models over HTTP/1.1 (flags fall back to HKT_* environment variables).")

    @Option(help: "Address to listen on: '::' (all, IPv4 and IPv6), '0.0.0.0', '127.0.0.1', '::1'. Env HKT_HOST.")
    var host: String?
    @Option(help: "TCP port. Env HKT_PORT. (default: 8080)")
    var port: Int?
    @Option(name: .long, help: "A weights file or a directory of .safetensors files; repeatable. Env HKT_WEIGHTS (comma-separated). (default: weights)")
    var weights: [String] = []
    @Option(help: "Name of the default model (file name without .safetensors). Env HKT_DEFAULT_MODEL. (default: weights/DEFAULT, else the first)")
    var defaultModel: String?
    @Flag(help: "Start even without weights (health and metrics only; predict answers 503).")
    var noModel = false
    @Option(help: "Inference worker threads. Env HKT_WORKERS. (default: 1; each inference already uses every core)")
    var workers: Int?
    @Option(help: "Threads one inference may use. Env HKT_THREADS. (default: the cores, capped by a cgroup CPU quota)")
    var threads: Int?
    @Option(help: "Requests waiting for a worker at most; more get 503. Env HKT_QUEUE_DEPTH. (default: 32)")
    var queueDepth: Int?
    @Option(help: "Bytes held by queued requests at most. Env HKT_QUEUE_BYTES. (default: 512 MiB)")
    var queueBytes: Int?
    @Option(help: "Largest request body in bytes; larger gets 413. Env HKT_MAX_BODY. (default: 64 MiB)")
    var maxBody: Int?
    @Option(help: "Largest image in pixels (width × height, from its header); larger gets 422. Env HKT_MAX_PIXELS. (default: 50000000)")
    var maxPixels: Int?
    @Option(help: "Concurrent connections at most. Env HKT_MAX_CONNECTIONS. (default: 4096)")
    var maxConnections: Int?
    @Option(help: "Seconds in-flight requests get to finish after SIGTERM. Env HKT_DRAIN_SECONDS. (default: 30)")
    var drainSeconds: Int?
    @Option(help: "Bearer token required by predict routes. Env HKT_API_TOKEN. (default: none)")
    var apiToken: String?
    @Option(help: "Bearer token for POST /admin/reload; unset disables it. Env HKT_ADMIN_TOKEN.")
    var adminToken: String?
    @Option(help: "Log format: text or json. Env HKT_LOG_FORMAT. (default: text)")
    var logFormat: String?
    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical. Env HKT_LOG_LEVEL. (default: info)")
    var logLevel: String?
    @Flag(help: "Print the effective configuration and exit.")
    var printConfig = false

    func validate() throws {
        if let format = logFormat ?? Environment.string("HKT_LOG_FORMAT"), !["text", "json"].contains(format) {
            throw ValidationError("--log-format must be text or json, got '\(format)'")
        }
        if let level = logLevel ?? Environment.string("HKT_LOG_LEVEL"), Logger.Level(rawValue: level) == nil {
            throw ValidationError("--log-level '\(level)' is not one of trace, debug, info, notice, warning, error, critical")
        }
    }

    /// Flags first, then `HKT_*` environment variables, then defaults.
    func resolve() throws -> ServiceConfiguration {
        var c = ServiceConfiguration()
        c.host = host ?? Environment.string("HKT_HOST") ?? c.host
        c.port = try port ?? Environment.int("HKT_PORT") ?? c.port
        if !weights.isEmpty {
            c.weights = weights
        } else if let env = Environment.string("HKT_WEIGHTS") {
            c.weights = env.split(separator: ",").map(String.init)
        }
        c.defaultModel = defaultModel ?? Environment.string("HKT_DEFAULT_MODEL")
        c.allowNoModel = noModel
        if noModel { c.weights = [] }
        c.queue.workers = try workers ?? Environment.int("HKT_WORKERS") ?? c.queue.workers
        c.threads = try threads ?? Environment.int("HKT_THREADS") ?? CPUQuota.availableCores()
        c.queue.maxDepth = try queueDepth ?? Environment.int("HKT_QUEUE_DEPTH") ?? c.queue.maxDepth
        c.queue.maxBytes = try queueBytes ?? Environment.int("HKT_QUEUE_BYTES") ?? c.queue.maxBytes
        c.maxBodyBytes = try maxBody ?? Environment.int("HKT_MAX_BODY") ?? c.maxBodyBytes
        c.decodeLimits.maxPixels = try maxPixels ?? Environment.int("HKT_MAX_PIXELS") ?? c.decodeLimits.maxPixels
        c.decodeLimits.maxBytes = c.maxBodyBytes
        c.maxConnections = try maxConnections ?? Environment.int("HKT_MAX_CONNECTIONS") ?? c.maxConnections
        c.drainSeconds = try drainSeconds ?? Environment.int("HKT_DRAIN_SECONDS") ?? c.drainSeconds
        c.apiToken = apiToken ?? Environment.string("HKT_API_TOKEN")
        c.adminToken = adminToken ?? Environment.string("HKT_ADMIN_TOKEN")
        c.logFormat = logFormat ?? Environment.string("HKT_LOG_FORMAT") ?? c.logFormat
        c.logLevel = logLevel ?? Environment.string("HKT_LOG_LEVEL") ?? c.logLevel
        guard (1...64).contains(c.queue.workers) else { throw ValidationError("workers must be 1…64, got \(c.queue.workers)") }
        guard (1...256).contains(c.threads) else { throw ValidationError("threads must be 1…256, got \(c.threads)") }
        guard c.queue.maxDepth >= 1 else { throw ValidationError("queue depth must be at least 1") }
        guard (0...65535).contains(c.port) else { throw ValidationError("port must be 0…65535, got \(c.port)") }
        return c
    }

    func run() async throws {
        let config = try resolve()
        if printConfig {
            print(config.printable)
            return
        }
        LoggingSetup.bootstrap(format: config.logFormat, level: config.logLevel)
        ComputeBudget.shared.cores = config.threads
        let logger = Logger(label: "hkt-serve")

        let service: InferenceService
        do {
            service = try InferenceService(configuration: config, logger: logger)
        } catch {
            // One line naming the file and the problem, then a non-zero exit.
            FileHandle.standardError.write(Data("hkt-serve: cannot start: \(error)\n".utf8))
            throw ExitCode(2)
        }

        var httpConfig = HTTPServer.Configuration()
        httpConfig.host = config.host
        httpConfig.port = config.port
        httpConfig.limits.maxBodyBytes = config.maxBodyBytes
        httpConfig.maxConnections = config.maxConnections
        let server = HTTPServer(configuration: httpConfig, router: service.makeRouter(), logger: logger)
        let metrics = service.metrics
        server.observer = { request, route, response, seconds in
            metrics.request(route: route ?? "unmatched", method: request.method, status: response.status, seconds: seconds)
        }
        do {
            try server.start()
        } catch {
            FileHandle.standardError.write(Data("hkt-serve: cannot listen: \(error)\n".utf8))
            throw ExitCode(2)
        }
        logger.info("listening", metadata: [
            "address": "\(config.host):\(server.boundPort)",
            "models": "\(service.registry.all.map(\.name))",
            "default": "\(service.registry.defaultName ?? "none")",
        ])

        let stop = await Signals.waitForTermination { signal in
            // SIGHUP reloads the weights without stopping.
            DispatchQueue.global().async { service.reload() }
        }
        logger.info("draining", metadata: ["signal": "\(stop)", "deadline_s": "\(config.drainSeconds)"])
        service.beginDraining()
        await server.shutdown(deadline: .seconds(config.drainSeconds))
        service.queue.stop()
        logger.info("stopped")
    }
}

/// Reads `HKT_*` environment variables.
enum Environment {
    static func string(_ name: String) -> String? {
        guard let v = ProcessInfo.processInfo.environment[name], !v.isEmpty else { return nil }
        return v
    }

    static func int(_ name: String) throws -> Int? {
        guard let v = string(name) else { return nil }
        guard let i = Int(v) else { throw ValidationError("\(name) must be an integer, got '\(v)'") }
        return i
    }
}

/// Waits for SIGTERM or SIGINT; SIGHUP calls `onHangup` and keeps waiting.
enum Signals {
    static func waitForTermination(onHangup: @escaping @Sendable (Int32) -> Void) async -> String {
        await withCheckedContinuation { (continuation: CheckedContinuation<String, Never>) in
            let queue = DispatchQueue(label: "hkt-serve.signals")
            let once = OnceFlag()
            var sources: [DispatchSourceSignal] = []
            for (sig, name) in [(SIGTERM, "SIGTERM"), (SIGINT, "SIGINT"), (SIGHUP, "SIGHUP")] {
                signal(sig, SIG_IGN)
                let source = DispatchSource.makeSignalSource(signal: sig, queue: queue)
                source.setEventHandler {
                    if sig == SIGHUP { onHangup(sig); return }
                    if once.claim() { continuation.resume(returning: name) }
                }
                source.resume()
                sources.append(source)
            }
            SignalSources.keep(sources)
        }
    }
}

/// Keeps the signal sources alive for the process's lifetime.
enum SignalSources {
    nonisolated(unsafe) static var retained: [DispatchSourceSignal] = []
    static func keep(_ s: [DispatchSourceSignal]) { retained = s }
}

final class OnceFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var done = false
    func claim() -> Bool { lock.lock(); defer { lock.unlock() }; if done { return false }; done = true; return true }
}
