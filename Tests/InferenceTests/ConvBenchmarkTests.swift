import Foundation
import Testing
@testable import Inference

/// Not a timed test (HKT_PROFILE=1, release): single-worker thread-CPU time of the HKT conv
/// shapes, Winograd against im2col + sgemm, so the comparison is robust to background load.
@Test(.enabled(if: ProcessInfo.processInfo.environment["HKT_PROFILE"] == "1")) func profileWinograd() {
    var rng = SeededRandom(seed: 1)
    for (c, o, k, hw) in [(3, 256, 4, 256), (128, 256, 4, 126), (256, 256, 3, 61), (256, 384, 4, 59), (512, 512, 1, 61)] {
        let x = rng.tensor(c, hw, hw)
        let weights = rng.floats(o * c * k * k), bias = rng.floats(o)
        for wino in [true, false] {
            let layer = ConvLayer(name: "t", inChannels: c, outChannels: o, kernel: k, weights: weights, bias: bias, useWinograd: wino)
            let ep: ConvEpilogue = k == 4 && hw >= 126 ? .biasReLUPool : .biasReLU
            let (oh, ow) = layer.outputSize(height: hw, width: hw, epilogue: ep)
            let out = Tensor(channels: o, height: oh, width: ow)
            let scratch = [WorkerScratch()]
            layer.forward(input: x.pointer, height: hw, width: hw, output: out.pointer, epilogue: ep, workers: 1, scratch: scratch)
            func cpu() -> Double { var ts = timespec(); clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts); return Double(ts.tv_sec) * 1e3 + Double(ts.tv_nsec) * 1e-6 }
            let t0 = cpu()
            for _ in 0..<3 { layer.forward(input: x.pointer, height: hw, width: hw, output: out.pointer, epilogue: ep, workers: 1, scratch: scratch) }
            let ms = (cpu() - t0) / 3
            print("c\(c) o\(o) k\(k) \(hw): winograd \(wino) \(String(format: "%.1f", ms)) ms thread-CPU, \(String(format: "%.1f", 2e-6 * Double(layer.macs(height: hw, width: hw)) / ms)) effective GFLOP/s")
        }
    }
}
