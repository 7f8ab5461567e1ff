import Testing
@testable import Inference

/// The fast convolution against the plain-loop reference, for every kernel size and epilogue
/// the graphs use, single- and multi-threaded.
@Suite struct ConvKernelTests {
    func fast(_ layer: ConvLayer, _ x: Tensor, _ epilogue: ConvEpilogue, workers: Int) -> Tensor {
        let (oh, ow) = layer.outputSize(height: x.height, width: x.width, epilogue: epilogue)
        let out = Tensor(channels: layer.outChannels, height: oh, width: ow)
        let scratch = (0..<workers).map { _ in WorkerScratch() }
        layer.forward(input: x.pointer, height: x.height, width: x.width, output: out.pointer,
                      epilogue: epilogue, workers: workers, scratch: scratch)
        return out
    }

    func reference(_ w: [Float], _ b: [Float], _ o: Int, _ k: Int, _ x: Tensor, _ epilogue: ConvEpilogue) -> Tensor {
        switch epilogue {
        case .bias: return Reference.conv2d(x, weight: w, bias: b, outChannels: o, kernel: k)
        case .biasReLU: return Reference.conv2d(x, weight: w, bias: b, outChannels: o, kernel: k, relu: true)
        case .biasReLUPool: return Reference.avgPool2(Reference.conv2d(x, weight: w, bias: b, outChannels: o, kernel: k, relu: true))
        }
    }

    @Test(arguments: [
        (1, 5, 7, 9, 11, ConvEpilogue.bias), (3, 6, 9, 17, 13, .biasReLUPool), (4, 16, 8, 19, 23, .biasReLUPool),
        (4, 3, 32, 21, 20, .biasReLU), (3, 32, 16, 12, 15, .biasReLU), (4, 24, 12, 13, 9, .bias),
        (1, 64, 40, 10, 10, .biasReLU), (3, 40, 24, 14, 11, .bias), (4, 33, 17, 11, 14, .biasReLUPool),
    ])
    func matchesReference(k: Int, c: Int, o: Int, h: Int, w: Int, epilogue: ConvEpilogue) {
        var rng = SeededRandom(seed: UInt64(k * 1000 + c * 10 + o))
        let x = rng.tensor(c, h, w)
        let weights = rng.floats(o * c * k * k), bias = rng.floats(o)
        let expected = reference(weights, bias, o, k, x, epilogue)
        for winograd in [false, true] {
            let layer = ConvLayer(name: "t", inChannels: c, outChannels: o, kernel: k, weights: weights, bias: bias, useWinograd: winograd)
            for workers in [1, 2, 3] {
                let got = fast(layer, x, epilogue, workers: workers)
                #expect(got.shape == expected.shape)
                let err = relativeError(got.toArray(), expected.toArray())
                // Winograd's transforms add rounding (constants up to 8): 2e-5 vs 2e-6 for the GEMM path.
                #expect(err < (winograd ? 2e-5 : 2e-6), "k\(k) c\(c) o\(o) \(h)×\(w) \(epilogue) winograd \(winograd) workers \(workers): \(err)")
            }
        }
    }

    /// Large enough that the GEMM path splits into many row chunks (and Winograd into many tiles).
    @Test func manyChunks() {
        var rng = SeededRandom(seed: 7)
        let x = rng.tensor(8, 70, 70)
        let weights = rng.floats(16 * 8 * 16), bias = rng.floats(16)
        let expected = reference(weights, bias, 16, 4, x, .biasReLUPool)
        for winograd in [false, true] {
            let layer = ConvLayer(name: "t", inChannels: 8, outChannels: 16, kernel: 4, weights: weights, bias: bias, useWinograd: winograd)
            #expect(relativeError(fast(layer, x, .biasReLUPool, workers: 2).toArray(), expected.toArray()) < (winograd ? 2e-5 : 2e-6))
        }
    }

    /// A case small enough to check by hand: a 3×3 all-ones kernel sums each window.
    @Test func handComputed() {
        let x = Tensor(channels: 1, height: 3, width: 4, values: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12])
        let layer = ConvLayer(name: "t", inChannels: 1, outChannels: 1, kernel: 3, weights: [Float](repeating: 1, count: 9), bias: [0.5])
        // windows: 1+2+3+5+6+7+9+10+11 = 54; next = 63
        #expect(fast(layer, x, .bias, workers: 1).toArray() == [54.5, 63.5])
        let neg = ConvLayer(name: "t", inChannels: 1, outChannels: 1, kernel: 3, weights: [Float](repeating: -1, count: 9), bias: [0])
        #expect(fast(neg, x, .biasReLU, workers: 1).toArray() == [0, 0])
        #expect(Reference.conv2d(x, weight: [Float](repeating: 1, count: 9), bias: [0.5], outChannels: 1, kernel: 3).toArray() == [54.5, 63.5])
    }
}
