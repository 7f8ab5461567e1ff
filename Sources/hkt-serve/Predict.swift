import ArgumentParser
import Foundation
import Imaging
import Service

/// `hkt-serve predict`: the service's pipeline, offline, on image files.
struct Predict: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Score image files offline with the same pipeline the server uses.")

    @Argument(help: "JPEG or PNG files.")
    var images: [String]
    @Option(help: "A weights file, or a directory (its default model is used).")
    var weights = "weights"
    @Option(help: "Model name when --weights is a directory.")
    var model: String?
    @Option(help: "Write the heatmap PNG here (with several images: '-N' is added before .png).")
    var heatmap: String?
    @Option(help: "Heatmap kind: png, overlay or mask.")
    var heatmapKind = "png"
    @Option(help: "Override the model's decision threshold.")
    var threshold: Float?
    @Flag(help: "Print one JSON object per image instead of a table.")
    var json = false

    func run() async throws {
        let urls = try ModelRegistry.weightFiles(in: [weights])
        let defaultFile = URL(fileURLWithPath: weights).appendingPathComponent("DEFAULT")
        let name = model ?? (try? String(contentsOf: defaultFile, encoding: .utf8))?
            .trimmingCharacters(in: .whitespacesAndNewlines)
        guard let url = urls.first(where: { $0.deletingPathExtension().lastPathComponent == name }) ?? urls.first
        else { throw ValidationError("no .safetensors file in '\(weights)'") }
        if let model, url.deletingPathExtension().lastPathComponent != model {
            throw ValidationError("no model '\(model)' in '\(weights)'")
        }
        let loaded = try LoadedModel(url: url)
        var options = PredictOptions()
        options.threshold = threshold
        if heatmap != nil {
            guard let kind = PredictOptions.HeatmapKind(rawValue: heatmapKind), kind != .none else {
                throw ValidationError("--heatmap-kind must be png, overlay or mask")
            }
            options.heatmap = kind
        }
        if !json {
            print("model \(loaded.name) (\(loaded.metadata.arch), \(loaded.metadata.category)), threshold \(options.threshold ?? loaded.metadata.threshold)")
        }
        var failures = 0
        for (index, path) in images.enumerated() {
            do {
                let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
                let p = try Predictor.predict(bytes[...], model: loaded, options: options, limits: DecodeLimits())
                if let out = heatmap, let png = p.heatmapPNG {
                    let target = images.count == 1 ? out : out.replacingOccurrences(of: ".png", with: "-\(index + 1).png")
                    try Data(png).write(to: URL(fileURLWithPath: target))
                }
                if json {
                    print(#"{"file":"\#(path)","score":\#(p.score),"threshold":\#(p.threshold),"anomalous":\#(p.anomalous),"width":\#(p.width),"height":\#(p.height),"ms":\#(Int(p.timings.total * 1000))}"#)
                } else {
                    print("\(p.anomalous ? "ANOMALOUS" : "ok       ")  score \(String(format: "%.4f", p.score))  \(p.width)×\(p.height)  \(Int(p.timings.total * 1000)) ms  \(path)")
                }
            } catch {
                failures += 1
                FileHandle.standardError.write(Data("\(path): \(error)\n".utf8))
            }
        }
        if failures > 0 { throw ExitCode(1) }
    }
}
