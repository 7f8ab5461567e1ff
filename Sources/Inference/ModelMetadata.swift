import Foundation

/// The model's `__metadata__`, parsed and validated.
public struct ModelMetadata: Sendable {
    /// "hkt" or "hkt+".
    public let arch: String
    public let category: String
    /// Side of the square input the model was trained on (256).
    public let imageSize: Int
    /// Score above which an image is anomalous.
    public let threshold: Float
    /// Quantiles of fused validation maps used to normalise the map.
    public let mapQLow: Float
    public let mapQHigh: Float
    /// FFM weights w1…w4 (projectors 1–3, then stage 4).
    public let fusionWeights: [Float]
    /// Per-channel RGB normalisation the input must already have.
    public let inputMean: [Float]
    public let inputStd: [Float]
    /// Short id of the export ("" when absent).
    public let version: String
    /// The whole `__metadata__`, for `/v1/models`.
    public let raw: [String: String]

    /// Metadata keys a weights file must have.
    public static let requiredKeys = ["format", "arch", "image_size", "category", "map_q_low", "map_q_high", "threshold"]
    /// The FFM weights used when `fusion` is absent.
    public static let defaultFusionWeights: [Float] = [0.5 / 3, 0.5 / 3, 0.5 / 3, 1.0]

    /// Parses `raw`; throws `WeightsError` naming the key and what was expected.
    public init(raw: [String: String], file: String) throws {
        func fail(_ p: WeightsError.Problem) -> WeightsError { WeightsError(file: file, problem: p) }
        for key in Self.requiredKeys where raw[key] == nil { throw fail(.missingMetadata(key: key)) }
        let format = raw["format"]!
        guard format == "hkt-serve/1" else { throw fail(.invalidMetadata(key: "format", found: format, expected: "\"hkt-serve/1\"")) }
        let arch = raw["arch"]!
        guard Architecture(name: arch) != nil else {
            throw fail(.invalidMetadata(key: "arch", found: arch, expected: "one of \(Architecture.names.joined(separator: ", "))"))
        }
        func number(_ key: String) throws -> Float {
            let s = raw[key]!.trimmingCharacters(in: .whitespaces)
            guard let v = Float(s), v.isFinite else { throw fail(.invalidMetadata(key: key, found: raw[key]!, expected: "a finite number")) }
            return v
        }
        func floats(_ key: String, count: Int, default value: [Float], object: String? = nil) throws -> [Float] {
            guard let s = raw[key] else { return value }
            let expected = object == nil ? "a JSON array of \(count) finite numbers" : "a JSON object {\"\(object!)\": [\(count) finite numbers]}"
            guard let data = s.data(using: .utf8), let json = try? JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed]) else {
                throw fail(.invalidMetadata(key: key, found: s, expected: expected))
            }
            let array: Any? = object.map { (json as? [String: Any])?[$0] } ?? json
            guard let numbers = array as? [NSNumber], numbers.count == count,
                  numbers.allSatisfy({ $0.floatValue.isFinite }) else {
                throw fail(.invalidMetadata(key: key, found: s, expected: expected))
            }
            return numbers.map(\.floatValue)
        }
        guard let size = Int(raw["image_size"]!), size >= 64, size <= 4096 else {
            throw fail(.invalidMetadata(key: "image_size", found: raw["image_size"]!, expected: "an integer in 64…4096"))
        }
        let low = try number("map_q_low"), high = try number("map_q_high")
        guard high > low else {
            throw fail(.invalidMetadata(key: "map_q_high", found: raw["map_q_high"]!, expected: "a number greater than map_q_low (\(low))"))
        }
        self.arch = arch
        category = raw["category"]!
        imageSize = size
        threshold = try number("threshold")
        mapQLow = low
        mapQHigh = high
        fusionWeights = try floats("fusion", count: 4, default: Self.defaultFusionWeights, object: "weights")
        inputMean = try floats("input_mean", count: 3, default: [0.485, 0.456, 0.406])
        inputStd = try floats("input_std", count: 3, default: [0.229, 0.224, 0.225])
        guard inputStd.allSatisfy({ $0 > 0 }) else {
            throw fail(.invalidMetadata(key: "input_std", found: raw["input_std"] ?? "", expected: "three positive numbers"))
        }
        version = raw["version"] ?? ""
        self.raw = raw
    }
}
