import ArgumentParser
import Foundation
import Inference

/// `hkt-serve inspect`: what a weights file holds, validated the same way `serve` does.
struct Inspect: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Validate a weights file and print its arch, metadata, metrics and parameter count.")

    @Argument(help: "A .safetensors weights file.")
    var weights: String

    func run() throws {
        let model: AnomalyModel
        do {
            model = try AnomalyModel(contentsOf: URL(fileURLWithPath: weights))
        } catch {
            FileHandle.standardError.write(Data("\(error)\n".utf8))
            throw ExitCode(2)
        }
        let m = model.metadata
        print("file        \(weights)")
        print("arch        \(m.arch)")
        print("category    \(m.category)")
        print("version     \(m.version)")
        print("input       3×\(m.imageSize)×\(m.imageSize)")
        print("parameters  \(model.parameterCount)")
        print("threshold   \(m.threshold)")
        print("map quantiles  low \(m.mapQLow)  high \(m.mapQHigh)")
        print("fusion      \(m.fusionWeights)")
        print("metadata:")
        for key in m.raw.keys.sorted() { print("  \(key) = \(m.raw[key]!)") }
    }
}
