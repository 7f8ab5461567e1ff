import Foundation
import Imaging
import Inference

/// What a caller asks of one prediction.
public struct PredictOptions: Sendable {
    /// Which heatmap to return, if any.
    public enum HeatmapKind: String, Sendable, CaseIterable { case none, png, overlay, mask }
    public var heatmap: HeatmapKind = .none
    /// Overrides the model's stored decision threshold.
    public var threshold: Float?
    /// Limits the heatmap's longer side (the default is the input image's size).
    public var heatmapMaxSide: Int?
    public init() {}
}

/// Time spent in each stage of one prediction, in seconds.
public struct StageTimings: Sendable {
    public var decode = 0.0
    public var queueWait = 0.0
    public var inference = 0.0
    public var postprocess = 0.0
    public var total: Double { decode + queueWait + inference + postprocess }
}

/// The outcome of one prediction.
public struct Prediction: Sendable {
    public var model: String
    public var modelVersion: String
    public var score: Float
    public var threshold: Float
    public var anomalous: Bool
    public var width: Int
    public var height: Int
    public var timings: StageTimings
    /// The heatmap PNG when one was asked for.
    public var heatmapPNG: [UInt8]?
}

/// The whole pipeline for one encoded image: decode → preprocess → infer → heatmap.
///
/// Synchronous and CPU-bound: the service runs it on an `InferenceQueue` worker; the CLI calls it
/// directly, so offline `predict` and the server give the same answers.
public enum Predictor {
    public static func predict(
        _ bytes: ArraySlice<UInt8>, model: LoadedModel, options: PredictOptions, limits: DecodeLimits
    ) throws -> Prediction {
        var timings = StageTimings()
        let meta = model.metadata
        var clock = ContinuousClock.now
        func lap() -> Double {
            let now = ContinuousClock.now
            defer { clock = now }
            return (now - clock).seconds
        }

        let input: ModelInput
        do {
            // The decoded frame is kept only when the overlay needs it; otherwise a PNG streams
            // row by row straight into the resize.
            input = try Preprocess.decodeModelInput(
                Array(bytes), size: meta.imageSize, mean: meta.inputMean, std: meta.inputStd, limits: limits,
                keepImage: options.heatmap == .overlay)
        } catch {
            throw ServiceError(imaging: error)
        }
        timings.decode = lap()

        let result: AnomalyResult
        do {
            result = try model.engine.predict(input.tensor)
        } catch {
            throw ServiceError.inferenceFailed("model '\(model.name)': \(error)")
        }
        timings.inference = lap()

        let threshold = options.threshold ?? meta.threshold
        var png: [UInt8]?
        if options.heatmap != .none {
            let mode: Heatmap.Mode = switch options.heatmap {
            case .overlay: .overlay
            case .mask: .mask
            default: .png
            }
            do {
                png = try Heatmap.renderPNG(
                    map: result.map, mapWidth: result.mapWidth, mapHeight: result.mapHeight, mode: mode,
                    threshold: threshold, background: input.image,
                    outputWidth: input.originalWidth, outputHeight: input.originalHeight,
                    maxSide: options.heatmapMaxSide, compressionLevel: 1)
            } catch {
                throw ServiceError(imaging: error)
            }
        }
        timings.postprocess = lap()

        return Prediction(
            model: model.name, modelVersion: meta.version, score: result.score, threshold: threshold,
            anomalous: result.score > threshold, width: input.originalWidth, height: input.originalHeight,
            timings: timings, heatmapPNG: png)
    }
}

extension ServiceError {
    /// Maps an imaging error to its HTTP meaning: unknown formats 415, bad images 422, and our
    /// own failures (encoder, internal) 500.
    init(imaging error: any Error) {
        guard let e = error as? ImagingError else {
            self = .inferenceFailed("\(error)")
            return
        }
        switch e.httpStatus {
        case 415: self = .unsupportedMediaType("\(e)")
        case 422: self = .unprocessableImage("\(e)")
        default: self = .inferenceFailed("\(e)")
        }
    }
}
