import Foundation
import HTTPServer
import Imaging
import Inference
import Logging

/// The service: loaded models, the inference queue, metrics, and the routes that use them.
public final class InferenceService: Sendable {
    public let configuration: ServiceConfiguration
    public let registry: ModelRegistry
    public let queue: InferenceQueue
    public let metrics: ServiceMetrics
    let logger: Logger
    private let state = ServiceState()

    /// Loads every weights file (validating each and running its warm-up) and starts the workers.
    /// - Throws: the first `WeightsError` or warm-up failure, naming the file; or a
    ///   `ServiceError.notReady` when no weights were found and `allowNoModel` is false.
    public init(configuration: ServiceConfiguration, logger: Logger, metrics: ServiceMetrics = ServiceMetrics()) throws {
        self.configuration = configuration
        self.logger = logger
        self.metrics = metrics
        let models = try Self.loadModels(configuration, logger: logger)
        registry = ModelRegistry(
            models: models,
            defaultName: ModelRegistry.chooseDefault(
                explicit: configuration.defaultModel, paths: configuration.weights, models: models))
        if let name = configuration.defaultModel, !models.isEmpty, !models.contains(where: { $0.name == name }) {
            throw ServiceError.modelNotFound(name)
        }
        queue = InferenceQueue(limits: configuration.queue) { waiting, running in
            metrics.queue(waiting: waiting, running: running)
        }
        metrics.modelInfo(models)
        state.setReady(!models.isEmpty)
    }

    static func loadModels(_ configuration: ServiceConfiguration, logger: Logger) throws -> [LoadedModel] {
        if configuration.allowNoModel && configuration.weights.isEmpty { return [] }
        let files: [URL]
        do {
            files = try ModelRegistry.weightFiles(in: configuration.weights)
        } catch where configuration.allowNoModel {
            return []
        }
        guard !files.isEmpty || configuration.allowNoModel else {
            throw ServiceError.notReady(
                "no .safetensors weights found in \(configuration.weights.joined(separator: ", "))")
        }
        return try files.map { url in
            let model = try LoadedModel(url: url)
            logger.info("loaded model", metadata: [
                "model": "\(model.name)", "arch": "\(model.metadata.arch)", "category": "\(model.metadata.category)",
                "version": "\(model.metadata.version)", "load_ms": "\(Int(model.loadSeconds * 1000))",
            ])
            return model
        }
    }

    /// True while models are loaded and the service is not draining.
    public var isReady: Bool { state.isReady && !state.isDraining && !queue.isSaturated }

    /// Readiness turns false at once; in-flight work goes on.
    public func beginDraining() { state.setDraining() }

    /// Reloads every weights file, warms each up, and swaps the set atomically.
    /// A failure keeps the old models and is returned (and logged).
    @discardableResult
    public func reload() -> Result<[String], Error> {
        do {
            let models = try Self.loadModels(configuration, logger: logger)
            registry.replace(models, defaultName: ModelRegistry.chooseDefault(
                explicit: configuration.defaultModel, paths: configuration.weights, models: models))
            metrics.modelInfo(models)
            state.setReady(!models.isEmpty)
            logger.info("reload done", metadata: ["models": "\(models.map(\.name))"])
            return .success(models.map(\.name))
        } catch {
            logger.error("reload failed; keeping the old models", metadata: ["error": "\(error)"])
            return .failure(error)
        }
    }

    // MARK: - Routes

    /// Every route of `openapi.yaml`.
    public func makeRouter() -> Router {
        let router = Router()
        // Health answers at once, so it runs inline on the I/O thread (no task hop).
        router.add("GET", "/healthz", execution: .inline) { _ in .json(200, #"{"status":"ok"}"#) }
        router.add("GET", "/readyz", execution: .inline) { [self] _ in readiness() }
        router.add("GET", "/metrics") { [self] _ in
            var response = HTTPResponse(status: 200, body: metrics.render())
            response.headers["Content-Type"] = "text/plain; version=0.0.4; charset=utf-8"
            return response
        }
        router.add("GET", "/v1/models") { [self] _ in
            var w = JSONWriter()
            w.beginObject()
            w.key("default"); if let d = registry.defaultName { w.string(d) } else { w.null() }
            w.key("models"); w.beginArray()
            for model in registry.all { describe(model, into: &w) }
            w.endArray()
            w.endObject()
            return .json(200, w.text)
        }
        router.add("GET", "/v1/models/{model}") { [self] request in
            let model = try registry.model(named: request.pathParameters["model"])
            var w = JSONWriter()
            describe(model, into: &w)
            return .json(200, w.text)
        }
        router.add("POST", "/v1/predict") { [self] request in
            try await countingRejections { try await predict(request, modelName: nil) }
        }
        router.add("POST", "/v1/models/{model}/predict") { [self] request in
            try await countingRejections { try await predict(request, modelName: request.pathParameters["model"]) }
        }
        router.add("POST", "/admin/reload") { [self] request in
            guard let token = configuration.adminToken else {
                throw ServiceError.routeDisabled("admin routes are disabled (start the server with --admin-token)")
            }
            try authorize(request, token: token)
            switch reload() {
            case .success(let names):
                var w = JSONWriter()
                w.beginObject(); w.field("status", "reloaded"); w.key("models"); w.beginArray()
                names.forEach { w.string($0) }
                w.endArray(); w.endObject()
                return .json(200, w.text)
            case .failure(let error):
                throw ServiceError.unprocessableImage("reload failed, old models kept: \(error)")
            }
        }
        addV2Routes(to: router)
        return router
    }

    /// Counts every refused inference request in `hkt_rejections_total{reason}` (the error code).
    func countingRejections(_ body: () async throws -> HTTPResponse) async throws -> HTTPResponse {
        do {
            return try await body()
        } catch let error as ServiceError {
            metrics.rejection(error.rejectionReason)
            throw error
        }
    }

    func readiness() -> HTTPResponse {
        if state.isDraining { return ServiceError.notReady("shutting down").response }
        if registry.isEmpty { return ServiceError.notReady("no model loaded").response }
        if queue.isSaturated { return ServiceError.notReady("inference queue is full").response }
        var w = JSONWriter()
        w.beginObject(); w.field("status", "ready"); w.key("models"); w.beginArray()
        registry.all.forEach { w.string($0.name) }
        w.endArray(); w.endObject()
        return .json(200, w.text)
    }

    func describe(_ model: LoadedModel, into w: inout JSONWriter) {
        let meta = model.metadata
        w.beginObject()
        w.field("name", model.name)
        w.field("version", meta.version)
        w.field("arch", meta.arch)
        w.field("category", meta.category)
        w.key("input"); w.beginObject()
        w.field("width", meta.imageSize); w.field("height", meta.imageSize); w.field("channels", 3)
        w.endObject()
        w.field("threshold", meta.threshold)
        w.field("parameters", model.engine.parameterCount)
        w.field("default", model.name == registry.defaultName)
        w.field("file", model.url.lastPathComponent)
        w.field("loaded_at", ISO8601DateFormatter().string(from: model.loadedAt))
        w.field("load_ms", (model.loadSeconds * 1000).rounded())
        // Stored JSON values (metrics, trained, fusion) are passed through as JSON.
        for key in ["metrics", "trained", "fusion"] {
            w.key(key)
            if let value = meta.raw[key], Self.isJSON(value) { w.raw(value) } else { w.null() }
        }
        w.endObject()
    }

    static func isJSON(_ text: String) -> Bool {
        (try? JSONSerialization.jsonObject(with: Data(text.utf8), options: [.fragmentsAllowed])) != nil
    }

    func authorize(_ request: HTTPRequest, token: String?) throws {
        guard let token else { return }
        guard let header = request.headers["Authorization"], header.hasPrefix("Bearer "),
              Self.constantTimeEqual(String(header.dropFirst(7)), token) else {
            throw ServiceError.unauthorized
        }
    }

    static func constantTimeEqual(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8), y = Array(b.utf8)
        guard x.count == y.count else { return false }
        var diff: UInt8 = 0
        for i in 0..<x.count { diff |= x[i] ^ y[i] }
        return diff == 0
    }

    /// Ensures models are loaded and the service is not draining.
    func requireReady() throws {
        if state.isDraining { throw ServiceError.notReady("the server is shutting down") }
        if registry.isEmpty { throw ServiceError.notReady("no model is loaded") }
    }

    /// The deadline of `X-Request-Timeout` (milliseconds), if given.
    func deadline(of request: HTTPRequest) throws -> ContinuousClock.Instant? {
        guard let value = request.headers["X-Request-Timeout"] else { return nil }
        guard let ms = Int(value.trimmingSpaces()), ms > 0, ms <= 3_600_000 else {
            throw ServiceError.badRequest("X-Request-Timeout must be milliseconds between 1 and 3600000, got '\(value)'")
        }
        return .now + .milliseconds(ms)
    }

    /// Runs one encoded image through the queue and the pipeline.
    func runPrediction(
        _ bytes: ArraySlice<UInt8>, model: LoadedModel, options: PredictOptions,
        deadline: ContinuousClock.Instant?
    ) async throws -> Prediction {
        let limits = configuration.decodeLimits
        let prediction = try await queue.submit(bytes: bytes.count * 2, deadline: deadline) { waited in
            var p = try Predictor.predict(bytes, model: model, options: options, limits: limits)
            p.timings.queueWait = waited.seconds
            return p
        }
        let t = prediction.timings
        metrics.stage("decode", seconds: t.decode)
        metrics.stage("queue_wait", seconds: t.queueWait)
        metrics.stage("inference", seconds: t.inference)
        metrics.stage("postprocess", seconds: t.postprocess)
        metrics.score(prediction.score, model: model.name)
        return prediction
    }
}

/// Readiness and draining flags, shared by routes and signal handlers.
final class ServiceState: @unchecked Sendable {
    private let lock = NSLock()
    private var ready = false
    private var draining = false
    var isReady: Bool { lock.lock(); defer { lock.unlock() }; return ready }
    var isDraining: Bool { lock.lock(); defer { lock.unlock() }; return draining }
    func setReady(_ value: Bool) { lock.lock(); ready = value; lock.unlock() }
    func setDraining() { lock.lock(); draining = true; lock.unlock() }
}

extension ServiceError {
    /// The error as a response (for routes that answer rather than throw).
    var response: HTTPResponse {
        var r = HTTPResponse.error(status, code: code, message: message)
        for (name, value) in extraHeaders { r.headers[name] = value }
        return r
    }
}
