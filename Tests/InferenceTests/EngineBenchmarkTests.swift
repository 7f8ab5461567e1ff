import Foundation
import Testing
@testable import Inference

/// Not a timed test: runs only with HKT_BENCH=1 (benchmarks/engine.sh, release build).
/// HKT_BENCH_WEIGHTS: comma-separated weights files (default: a random HKT and HKT+ model);
/// HKT_BENCH_ITERATIONS (default 10); HKT_BENCH_THREADS (default: all cores); HKT_BENCH_OUT: file to append one JSON line per model.
@Suite struct EngineBenchmarkTests {
    static var enabled: Bool { ProcessInfo.processInfo.environment["HKT_BENCH"] == "1" }

    @Test(.enabled(if: enabled)) func benchmark() throws {
        let env = ProcessInfo.processInfo.environment
        let iterations = Int(env["HKT_BENCH_ITERATIONS"] ?? "") ?? 10
        if let threads = Int(env["HKT_BENCH_THREADS"] ?? "") { ComputeBudget.shared.cores = threads }
        var urls: [URL] = []
        if let list = env["HKT_BENCH_WEIGHTS"], !list.isEmpty {
            urls = list.split(separator: ",").map { URL(fileURLWithPath: String($0)) }
        } else {
            urls = try ["hkt", "hkt+"].map { try SafetensorsWriter.randomModelFile(arch: $0, seed: 5, metadata: ["image_size": "256"]) }
        }
        for url in urls {
            let model = try AnomalyModel(contentsOf: url)
            let report = try EngineBenchmark.run(model: model, iterations: iterations)
            print(report)
            if let out = env["HKT_BENCH_OUT"] {
                let line = report.json + "\n"
                if let h = FileHandle(forWritingAtPath: out) { h.seekToEndOfFile(); h.write(Data(line.utf8)); h.closeFile() }
                else { try Data(line.utf8).write(to: URL(fileURLWithPath: out)) }
            }
            #expect(report.medianMilliseconds > 0)
        }
    }
}
