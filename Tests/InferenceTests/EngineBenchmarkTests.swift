import CBLAS
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

    /// HKT_BENCH_MODES=1: the intra-op threading decision — the engine's own pool (OpenBLAS
    /// pinned to 1 thread) versus OpenBLAS's threads (engine pool of 1) — for one caller and
    /// for two concurrent callers, on HKT.
    @Test(.enabled(if: enabled && ProcessInfo.processInfo.environment["HKT_BENCH_MODES"] == "1"))
    func threadingModes() throws {
        let env = ProcessInfo.processInfo.environment
        let path = env["HKT_BENCH_WEIGHTS"]?.split(separator: ",").first.map(String.init)
        let url = try path.map { URL(fileURLWithPath: $0) }
            ?? SafetensorsWriter.randomModelFile(arch: "hkt", seed: 5, metadata: ["image_size": "256"])
        let cores = ProcessInfo.processInfo.activeProcessorCount
        let modes = [("engine pool, OpenBLAS 1 thread", cores, 1), ("engine 1 thread, OpenBLAS \(cores) threads", 1, cores)]
        let models = try modes.map { _, engineThreads, _ in
            try AnomalyModel(safetensors: try Safetensors(contentsOf: url), budget: ComputeBudget(cores: engineThreads))
        }
        // Rounds alternate the modes so drifting background load hits both alike.
        var single = [[Double]](repeating: [], count: modes.count), pair = single, quad = single
        for _ in 0..<3 {
            for (i, mode) in modes.enumerated() {
                openblas_set_num_threads(Int32(mode.2))
                single[i].append(1000 / (try EngineBenchmark.throughput(model: models[i], concurrency: 1, iterations: 2)))
                pair[i].append(try EngineBenchmark.throughput(model: models[i], concurrency: 2, iterations: 2))
                quad[i].append(try EngineBenchmark.throughput(model: models[i], concurrency: 4, iterations: 1))
            }
        }
        for (i, mode) in modes.enumerated() {
            print(String(format: "threading %@: 1 caller %.0f ms/image; 2 callers %.2f images/s; 4 callers %.2f images/s (medians of 3 rounds)",
                         mode.0, EngineBenchmark.median(single[i]), EngineBenchmark.median(pair[i]), EngineBenchmark.median(quad[i])))
        }
        openblas_set_num_threads(1)
    }
}
