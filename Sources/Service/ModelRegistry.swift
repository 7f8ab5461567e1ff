import Foundation
import Imaging
import Inference

/// One loaded model: the engine plus what the API reports about it.
public final class LoadedModel: Sendable {
    /// The name used in routes: the weights file name without `.safetensors`.
    public let name: String
    public let url: URL
    public let engine: AnomalyModel
    public let loadedAt: Date
    public let loadSeconds: Double

    public var metadata: ModelMetadata { engine.metadata }

    /// Loads and validates a weights file, then runs the warm-up inference.
    /// - Throws: `WeightsError` naming the file and the problem, or `ServiceError.notReady` when the
    ///   warm-up result is not finite.
    public init(url: URL, name: String? = nil) throws {
        let start = ContinuousClock.now
        self.url = url
        self.name = name ?? url.deletingPathExtension().lastPathComponent
        self.engine = try AnomalyModel(contentsOf: url)
        try Self.warmUp(engine, name: self.name)
        self.loadSeconds = (ContinuousClock.now - start).seconds
        self.loadedAt = Date()
    }

    /// A built-in reference frame: a smooth, deterministic colour gradient.
    public static func referenceImage(size: Int) -> RGBImage {
        var pixels = [UInt8](repeating: 0, count: size * size * 3)
        for y in 0..<size {
            for x in 0..<size {
                let i = (y * size + x) * 3
                pixels[i] = UInt8(x * 255 / max(1, size - 1))
                pixels[i + 1] = UInt8(y * 255 / max(1, size - 1))
                pixels[i + 2] = 128
            }
        }
        return RGBImage(width: size, height: size, pixels: pixels)
    }

    /// Runs one inference on the reference frame and checks the result is usable: a finite score
    /// and a finite map of the expected size. This also touches every weight page before serving.
    static func warmUp(_ engine: AnomalyModel, name: String) throws {
        let meta = engine.metadata
        let input = Preprocess.modelInput(
            referenceImage(size: meta.imageSize), size: meta.imageSize, mean: meta.inputMean, std: meta.inputStd)
        let result = try engine.predict(input)
        guard result.score.isFinite, result.map.count == result.mapWidth * result.mapHeight,
              result.map.allSatisfy(\.isFinite) else {
            throw ServiceError.notReady("model '\(name)': warm-up inference gave a non-finite result (score \(result.score))")
        }
    }
}

/// The set of models being served, swapped atomically on reload.
public final class ModelRegistry: @unchecked Sendable {
    private let lock = NSLock()
    private var models: [String: LoadedModel] = [:]
    private var order: [String] = []
    public private(set) var defaultName: String?

    public init(models: [LoadedModel], defaultName: String? = nil) {
        replace(models, defaultName: defaultName)
    }

    /// Every `.safetensors` file named by `paths`: files as given, directories expanded (sorted).
    public static func weightFiles(in paths: [String]) throws -> [URL] {
        var urls: [URL] = []
        for path in paths {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
                throw ServiceError.badRequest("weights path '\(path)' does not exist")
            }
            if isDirectory.boolValue {
                let names = try FileManager.default.contentsOfDirectory(atPath: path)
                    .filter { $0.hasSuffix(".safetensors") }.sorted()
                urls += names.map { URL(fileURLWithPath: path).appendingPathComponent($0) }
            } else {
                urls.append(URL(fileURLWithPath: path))
            }
        }
        return urls
    }

    /// The default model's name: the explicit choice, else the `DEFAULT` file beside the weights,
    /// else the first model.
    public static func chooseDefault(explicit: String?, paths: [String], models: [LoadedModel]) -> String? {
        if let explicit, !explicit.isEmpty { return explicit }
        for path in paths {
            let file = URL(fileURLWithPath: path).appendingPathComponent("DEFAULT")
            if let text = try? String(contentsOf: file, encoding: .utf8) {
                let name = text.trimmingCharacters(in: .whitespacesAndNewlines)
                if models.contains(where: { $0.name == name }) { return name }
            }
        }
        return models.first?.name
    }

    /// Replaces every model at once.
    public func replace(_ newModels: [LoadedModel], defaultName: String?) {
        lock.lock(); defer { lock.unlock() }
        models = Dictionary(newModels.map { ($0.name, $0) }, uniquingKeysWith: { _, last in last })
        order = newModels.map(\.name)
        self.defaultName = defaultName ?? order.first
    }

    /// All models in load order.
    public var all: [LoadedModel] {
        lock.lock(); defer { lock.unlock() }
        return order.compactMap { models[$0] }
    }

    public var isEmpty: Bool { all.isEmpty }

    /// The model called `name`, or the default model when `name` is nil.
    /// - Throws: `ServiceError.modelNotFound`.
    public func model(named name: String?) throws -> LoadedModel {
        lock.lock(); defer { lock.unlock() }
        let key = name ?? defaultName ?? ""
        guard let model = models[key] else { throw ServiceError.modelNotFound(key) }
        return model
    }
}
