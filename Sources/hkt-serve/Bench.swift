import ArgumentParser
import Foundation
import Imaging
import Service

/// `hkt-serve bench`: times the engine on the shipped weights.
struct Bench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Time inference (ms per 256×256 image) for each weights file.")

    @Option(help: "A weights file or directory.")
    var weights = "weights"
    @Option(help: "Timed iterations per model (after one warm-up).")
    var iterations = 5

    func run() async throws {
        for url in try ModelRegistry.weightFiles(in: [weights]) {
            let model = try LoadedModel(url: url)
            let meta = model.metadata
            let input = Preprocess.modelInput(
                LoadedModel.referenceImage(size: meta.imageSize), size: meta.imageSize,
                mean: meta.inputMean, std: meta.inputStd)
            var times: [Double] = []
            for i in 0..<iterations {
                let start = ContinuousClock.now
                _ = try model.engine.predict(input)
                times.append((ContinuousClock.now - start).seconds * 1000)
                FileHandle.standardError.write(Data("\r\(model.name): \(i + 1)/\(iterations)".utf8))
            }
            times.sort()
            FileHandle.standardError.write(Data("\r".utf8))
            print("\(model.name) (\(meta.arch)): median \(String(format: "%.1f", times[times.count / 2])) ms, min \(String(format: "%.1f", times[0])) ms over \(iterations)")
        }
    }
}

extension Duration {
    var seconds: Double {
        let (s, atto) = components
        return Double(s) + Double(atto) / 1e18
    }
}
