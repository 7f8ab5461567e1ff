import Testing
@testable import Inference

/// Pooling, CBAM, resampling and map kernels against their references and hand-computed cases.
@Suite struct KernelTests {
    @Test func avgPoolMatchesReference() {
        var rng = SeededRandom(seed: 1)
        let x = rng.tensor(3, 9, 8)  // odd height: floor mode drops the last row
        let out = Tensor(channels: 3, height: 4, width: 4)
        Kernels.avgPool2(x.pointer, channels: 3, height: 9, width: 8, into: out.pointer)
        #expect(relativeError(out.toArray(), Reference.avgPool2(x).toArray()) < 1e-6)
        let small = Tensor(channels: 1, height: 2, width: 2, values: [1, 2, 3, 6])
        #expect(Reference.avgPool2(small).toArray() == [3])
    }

    @Test func nearestFollowsPyTorchIndexRule() {
        // in 3 → out 5: floor(d·3/5) = 0,0,1,1,2
        let x = Tensor(channels: 1, height: 1, width: 3, values: [10, 20, 30])
        let out = Tensor(channels: 1, height: 1, width: 5)
        Kernels.nearest(x.pointer, channels: 1, height: 1, width: 3, toHeight: 1, width: 5, into: out.pointer)
        #expect(out.toArray() == [10, 10, 20, 20, 30])
        // down-sampling 126 → 56 and 61 → 56, as the projectors do
        var rng = SeededRandom(seed: 2)
        for (h, w) in [(126, 126), (61, 59), (13, 30)] {
            let t = rng.tensor(2, h, w)
            let o = Tensor(channels: 2, height: 56, width: 56)
            Kernels.nearest(t.pointer, channels: 2, height: h, width: w, toHeight: 56, width: 56, into: o.pointer)
            #expect(o.toArray() == Reference.nearest(t, height: 56, width: 56).toArray())
        }
    }

    @Test func cbamMatchesReference() {
        var rng = SeededRandom(seed: 3)
        for (c, h, w) in [(32, 9, 11), (64, 5, 4)] {
            let x = rng.tensor(c, h, w)
            let layer = CBAMLayer(channels: c, mlp1: rng.floats(c / 16 * c), mlp2: rng.floats(c * c / 16), spatial: rng.floats(98))
            let expected = Reference.cbam(x, mlp1: layer.mlp1, mlp2: layer.mlp2, spatial: layer.spatial)
            let y = x.copy()
            let scratch = AlignedStorage(count: layer.scratchCount(height: h, width: w))
            layer.apply(y.pointer, height: h, width: w, scratch: scratch.pointer)
            #expect(relativeError(y.toArray(), expected.toArray()) < 1e-5)
        }
    }

    @Test func channelMeanSquaredDifference() {
        let a = Tensor(channels: 2, height: 1, width: 2, values: [1, 2, 3, 4])
        let b = Tensor(channels: 2, height: 1, width: 2, values: [0, 0, 1, 1])
        var out = [Float](repeating: 0, count: 2)
        out.withUnsafeMutableBufferPointer { Kernels.channelMeanSquaredDifference(a.pointer, b.pointer, channels: 2, plane: 2, into: $0.baseAddress!) }
        // pixel 0: (1² + 2²)/2 = 2.5; pixel 1: (2² + 3²)/2 = 6.5
        #expect(out == [2.5, 6.5])
        #expect(Reference.channelMeanSquaredDifference(a, b) == [2.5, 6.5])
    }

    @Test func padAndBilinear() {
        var padded = [Float](repeating: -1, count: 16)
        let m: [Float] = [1, 2, 3, 4]
        padded.withUnsafeMutableBufferPointer { Kernels.pad(m, height: 2, width: 2, by: 1, into: $0.baseAddress!) }
        #expect(padded == Reference.pad(m, height: 2, width: 2, by: 1))
        #expect(padded == [0, 0, 0, 0, 0, 1, 2, 0, 0, 3, 4, 0, 0, 0, 0, 0])
        // 1×2 → 1×4, align_corners=False: src = (d+0.5)/2 − 0.5 = −0.25→0, 0.25, 0.75, 1.25→clamped
        let up = Reference.bilinear([0, 4], height: 1, width: 2, toHeight: 1, width: 4)
        #expect(up == [0, 1, 3, 4])
        var rng = SeededRandom(seed: 4)
        for (h, w, oh, ow) in [(64, 64, 256, 256), (16, 12, 64, 70), (10, 10, 7, 13)] {
            let src = rng.floats(h * w)
            var rows = [Float](repeating: 0, count: h * ow), out = [Float](repeating: 0, count: oh * ow)
            rows.withUnsafeMutableBufferPointer { r in
                out.withUnsafeMutableBufferPointer { o in
                    Kernels.bilinear(src, height: h, width: w, toHeight: oh, width: ow, rowScratch: r.baseAddress!, into: o.baseAddress!)
                }
            }
            #expect(relativeError(out, Reference.bilinear(src, height: h, width: w, toHeight: oh, width: ow)) < 1e-5, "float vs double rounding")
        }
    }

    @Test func gaussianKernel() {
        let k = GaussianBlur.kernel1D(sigma: 4, size: 33)
        #expect(k.count == 33)
        #expect(abs(k.reduce(0, +) - 1) < 1e-6)
        #expect(k[16] == k.max()!)
        for i in 0..<16 { #expect(k[i] == k[32 - i]) }
        // ratio of centre to one-sigma tap is e^{1/2}
        #expect(abs(k[16] / k[20] - 1.6487213) < 1e-5)
        #expect(Reference.reflect(-1, 5) == 1 && Reference.reflect(5, 5) == 3 && Reference.reflect(-3, 5) == 3)
    }

    @Test func separableBlurMatchesFullKernel() {
        var rng = SeededRandom(seed: 5)
        let blur = GaussianBlur.anomalyMap
        for (h, w) in [(40, 40), (17, 29)] {
            let m = rng.floats(h * w, 0, 1)
            var out = [Float](repeating: 0, count: h * w)
            let scratch = AlignedStorage(count: blur.scratchCount(height: h, width: w))
            out.withUnsafeMutableBufferPointer { blur.apply(m, height: h, width: w, scratch: scratch.pointer, into: $0.baseAddress!) }
            #expect(relativeError(out, Reference.gaussianBlur(m, height: h, width: w, sigma: 4, kernelSize: 33)) < 1e-5)
        }
        // A constant map stays constant.
        let flat = [Float](repeating: 0.25, count: 20 * 20)
        var out = [Float](repeating: 0, count: 400)
        let scratch = AlignedStorage(count: blur.scratchCount(height: 20, width: 20))
        out.withUnsafeMutableBufferPointer { blur.apply(flat, height: 20, width: 20, scratch: scratch.pointer, into: $0.baseAddress!) }
        #expect(out.allSatisfy { abs($0 - 0.25) < 1e-6 })
    }
}
