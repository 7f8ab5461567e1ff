import ArgumentParser
import Foundation
import Imaging
import Inference
import Service

/// `hkt-serve bench`: the engine's per-layer timing for each weights file, and optionally the
/// image path (decode, resize, heatmap encode) on given files.
struct Bench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Time inference per 256×256 image (per-layer, GFLOP/s vs. a measured sgemm peak) and the image path.",
        discussion: "Ratios against ONNX Runtime, PyTorch and Pillow come from benchmarks/engine.sh and benchmarks/imaging.sh.")

    @Option(help: "A weights file or directory.")
    var weights = "weights"
    @Option(help: "Timed iterations per model (after two warm-up runs).")
    var iterations = 10
    @Option(parsing: .upToNextOption, help: "Also time decode+preprocess and heatmap encoding on these JPEG/PNG files.")
    var images: [String] = []
    @Flag(help: "One JSON object per model instead of the table.")
    var json = false

    func run() async throws {
        for url in try ModelRegistry.weightFiles(in: [weights]) {
            let model = try AnomalyModel(contentsOf: url)
            FileHandle.standardError.write(Data("benchmarking \(url.lastPathComponent) (\(iterations) iterations)…\n".utf8))
            let report = try EngineBenchmark.run(model: model, iterations: iterations)
            print(json ? report.json : "\(url.deletingPathExtension().lastPathComponent): \(report)")
        }
        if !images.isEmpty {
            let files = try images.map { ($0, try [UInt8](Data(contentsOf: URL(fileURLWithPath: $0)))) }
            _ = try ImagingBenchmark.run(images: files.map { (label: $0.0, bytes: $0.1) })
        }
    }
}
