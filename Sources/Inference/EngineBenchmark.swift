import CBLAS
import Foundation

/// Timing of one stage in a benchmark report.
public struct LayerTiming: Sendable {
    public let stage: String
    /// Median milliseconds per image.
    public let milliseconds: Double
    /// Direct-convolution GFLOP of the stage (2 × MACs; 0 for non-conv stages).
    public let gflop: Double
    /// `gflop / seconds`: effective rate (above the sgemm peak means fewer than direct FLOPs
    /// were executed, e.g. Winograd).
    public var gflopsPerSecond: Double { milliseconds > 0 ? gflop / (milliseconds / 1000) : 0 }
}

/// Result of `EngineBenchmark.run`.
public struct EngineBenchmarkReport: Sendable, CustomStringConvertible {
    public let arch: String
    public let imageSize: Int
    public let iterations: Int
    public let threads: Int
    /// Median and minimum wall milliseconds of one `predict`.
    public let medianMilliseconds: Double
    public let minMilliseconds: Double
    public let layers: [LayerTiming]
    /// Direct-convolution GFLOP of one image.
    public let totalGFLOP: Double
    /// Measured sgemm rate on the same threads (square 1024³, split like the engine splits).
    public let sgemmPeakGFLOPs: Double

    public var description: String {
        var s = String(format: "engine %@ %d×%d: median %.1f ms, min %.1f ms per image (%d iterations, %d threads); %.2f GFLOP direct-conv → %.1f effective GFLOP/s; sgemm peak %.1f GFLOP/s\n",
                       arch, imageSize, imageSize, medianMilliseconds, minMilliseconds, iterations, threads,
                       totalGFLOP, totalGFLOP / (medianMilliseconds / 1000), sgemmPeakGFLOPs)
        for l in layers {
            s += "  " + l.stage.padding(toLength: 24, withPad: " ", startingAt: 0) + String(format: " %8.2f ms", l.milliseconds)
            if l.gflop > 0 { s += String(format: "  %6.2f GFLOP  %6.1f GFLOP/s (%3.0f%% of sgemm peak)", l.gflop, l.gflopsPerSecond, 100 * l.gflopsPerSecond / sgemmPeakGFLOPs) }
            s += "\n"
        }
        return s
    }

    /// One JSON object (for scripts).
    public var json: String {
        let layerJSON = layers.map { String(format: "{\"stage\":\"%@\",\"ms\":%.3f,\"gflop\":%.4f}", $0.stage, $0.milliseconds, $0.gflop) }
        return String(format: "{\"arch\":\"%@\",\"image_size\":%d,\"iterations\":%d,\"threads\":%d,\"median_ms\":%.3f,\"min_ms\":%.3f,\"gflop\":%.4f,\"sgemm_peak_gflops\":%.2f,\"layers\":[%@]}",
                      arch, imageSize, iterations, threads, medianMilliseconds, minMilliseconds, totalGFLOP, sgemmPeakGFLOPs,
                      layerJSON.joined(separator: ","))
    }
}

/// Engine micro-benchmark, for `hkt-serve bench` and benchmarks/engine.sh.
public enum EngineBenchmark {
    /// Times `iterations` predictions of a fixed pseudo-random 3×S×S input after `warmup` calls.
    public static func run(model: AnomalyModel, iterations: Int = 10, warmup: Int = 2) throws -> EngineBenchmarkReport {
        let s = model.metadata.imageSize
        var state: UInt32 = 12345
        let input = (0..<(3 * s * s)).map { _ -> Float in
            state = state &* 1_664_525 &+ 1_013_904_223
            return Float(state >> 8) / Float(1 << 24) * 4 - 2
        }
        for _ in 0..<warmup { _ = try model.predict(input) }
        var totals: [Double] = []
        var perStage: [String: [Double]] = [:]
        var order: [String] = []
        for _ in 0..<max(1, iterations) {
            let t0 = DispatchTime.now().uptimeNanoseconds
            let r = try model.predict(input)
            totals.append(Double(DispatchTime.now().uptimeNanoseconds - t0) * 1e-6)
            for t in r.timings {
                if perStage[t.stage] == nil { order.append(t.stage) }
                perStage[t.stage, default: []].append(t.seconds * 1000)
            }
        }
        let macs = model.stageMACs(height: s, width: s)
        let layers = order.map { LayerTiming(stage: $0, milliseconds: median(perStage[$0]!), gflop: 2 * Double(macs[$0] ?? 0) * 1e-9) }
        return EngineBenchmarkReport(
            arch: model.metadata.arch, imageSize: s, iterations: totals.count, threads: model.budget.cores,
            medianMilliseconds: median(totals), minMilliseconds: totals.min()!, layers: layers,
            totalGFLOP: 2 * Double(macs.values.reduce(0, +)) * 1e-9, sgemmPeakGFLOPs: sgemmPeak(threads: model.budget.cores))
    }

    /// Images per second with `concurrency` callers each running `iterations` predictions at
    /// once (the cores are shared through `ComputeBudget`).
    public static func throughput(model: AnomalyModel, concurrency: Int, iterations: Int = 4) throws -> Double {
        let s = model.metadata.imageSize
        let input = [Float](repeating: 0.5, count: 3 * s * s)
        _ = try model.predict(input)
        let failures = FailureBox()
        let t0 = DispatchTime.now().uptimeNanoseconds
        DispatchQueue.concurrentPerform(iterations: concurrency) { _ in
            for _ in 0..<iterations {
                do { _ = try model.predict(input) } catch { failures.record(error) }
            }
        }
        if let e = failures.first { throw e }
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - t0) * 1e-9
        return Double(concurrency * iterations) / seconds
    }

    /// sgemm GFLOP/s of a 1024³ product with the columns split over `threads` workers, each
    /// calling single-threaded OpenBLAS (how the engine uses it). Best of 5.
    public static func sgemmPeak(threads: Int, size n: Int = 1024) -> Double {
        let a = AlignedStorage(count: n * n), b = AlignedStorage(count: n * n), c = AlignedStorage(count: n * n)
        for i in 0..<(n * n) { a.pointer[i] = Float(i % 7) * 0.1; b.pointer[i] = Float(i % 5) * 0.1 }
        openblas_set_num_threads(1)
        var best = 0.0
        let chunks = max(1, threads) * 4, cols = n / chunks
        for _ in 0..<5 {
            let t0 = DispatchTime.now().uptimeNanoseconds
            Parallel.forEach(chunks: chunks, workers: threads) { chunk, _ in
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(n), Int32(cols), Int32(n), 1,
                            a.pointer, Int32(n), b.pointer + chunk * cols, Int32(n), 0, c.pointer + chunk * cols, Int32(n))
            }
            let s = Double(DispatchTime.now().uptimeNanoseconds - t0) * 1e-9
            best = max(best, 2 * Double(n) * Double(n) * Double(cols * chunks) / s * 1e-9)
        }
        return best
    }

    static func median(_ v: [Double]) -> Double {
        let s = v.sorted()
        return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
    }
}

extension AnomalyModel {
    /// Direct-convolution MACs per timing stage name at h×w (matches `AnomalyResult.timings`).
    func stageMACs(height h: Int, width w: Int) -> [String: Int] {
        var out: [String: Int] = [:]
        let sizes = architecture.stageSizes(height: h, width: w)!
        out["teacher+student.conv1"] = firstPair.macs(height: h, width: w)
        var (ih, iw) = sizes[0]
        for stage in 1..<4 {
            for (t, spec) in zip(teacher[stage], architecture.stages[stage]) {
                out[t.name] = t.macs(height: ih, width: iw)
                out["student" + t.name.dropFirst("teacher".count)] = t.macs(height: ih, width: iw)
                (ih, iw) = t.outputSize(height: ih, width: iw, epilogue: spec.epilogue)
            }
        }
        let plane4 = sizes[3].height * sizes[3].width
        for i in 0..<3 { out[Self.names.projectorStage[i]] = projectors[i].inChannels * projectors[i].outChannels * plane4 }
        return out
    }
}

private final class FailureBox: @unchecked Sendable {
    private let lock = NSLock()
    private(set) var first: Error?
    func record(_ e: Error) { lock.lock(); if first == nil { first = e }; lock.unlock() }
}
