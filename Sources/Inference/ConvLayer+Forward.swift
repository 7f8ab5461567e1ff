import CBLAS

extension ConvLayer {
    /// Target GEMM column count per chunk: large enough for OpenBLAS to run near peak, small
    /// enough that the im2col chunk stays a few MB and there are several chunks per worker.
    static let targetColumns = 1024

    /// Runs the convolution on `input` (C×H×W) into `output` (sized by `outputSize`).
    /// `scratch` needs one entry per worker.
    func forward(
        input: UnsafePointer<Float>, height h: Int, width w: Int,
        output: UnsafeMutablePointer<Float>, epilogue: ConvEpilogue,
        workers: Int, scratch: [WorkerScratch]
    ) {
        if let winograd, winograd.applies(height: h, width: w) {
            winograd.forward(layer: self, input: input, height: h, width: w, output: output,
                             epilogue: epilogue, workers: workers, scratch: scratch)
            return
        }
        let ho = h - kernel + 1, wo = w - kernel + 1
        precondition(ho > 0 && wo > 0, "\(name): input \(h)×\(w) smaller than kernel \(kernel)")
        let pooled: Bool
        if case .biasReLUPool = epilogue { pooled = true } else { pooled = false }
        // Rows of conv output actually needed (floor-mode pooling drops an odd last row).
        let rowsNeeded = pooled ? (ho / 2) * 2 : ho
        var rowsPerChunk = max(1, Self.targetColumns / wo)
        if pooled { rowsPerChunk = max(2, rowsPerChunk & ~1) }
        let chunks = (rowsNeeded + rowsPerChunk - 1) / rowsPerChunk
        let kdim = inChannels * kernel * kernel
        let wp = wo / 2, hp = ho / 2

        Parallel.forEach(chunks: chunks, workers: workers) { chunk, worker in
            let r0 = chunk * rowsPerChunk
            let r1 = min(rowsNeeded, r0 + rowsPerChunk)
            let n = (r1 - r0) * wo
            // B operand: the input itself for 1×1 (already [C, H·W]); else an im2col chunk.
            let b: UnsafePointer<Float>
            let ldb: Int
            if kernel == 1 {
                b = input + r0 * w
                ldb = h * w
            } else {
                let col = scratch[worker].columns.pointer(count: kdim * n)
                im2col(input: input, height: h, width: w, rowStart: r0, rowEnd: r1, outWidth: wo, into: col)
                b = UnsafePointer(col)
                ldb = n
            }
            // C operand: straight into the output, or a scratch chunk when pooling follows.
            let c: UnsafeMutablePointer<Float>
            let ldc: Int
            if pooled {
                c = scratch[worker].output.pointer(count: outChannels * n)
                ldc = n
            } else {
                c = output + r0 * wo
                ldc = ho * wo
            }
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans,
                        Int32(outChannels), Int32(n), Int32(kdim),
                        1, weights.pointer, Int32(kdim), b, Int32(ldb),
                        0, c, Int32(ldc))
            switch epilogue {
            case .bias:
                applyBias(c, ldc: ldc, columns: n, relu: false)
            case .biasReLU:
                applyBias(c, ldc: ldc, columns: n, relu: true)
            case .biasReLUPool:
                poolChunk(c, rows: r1 - r0, width: wo, into: output + (r0 / 2) * wp, planeStride: hp * wp, pooledWidth: wp)
            }
        }
    }

    /// Copies rows `rowStart..<rowEnd` of the im2col matrix (rows ordered (c, i, j), columns
    /// (y, x)) into `col`, shape `[C·K·K, (rowEnd−rowStart)·outWidth]`.
    func im2col(input: UnsafePointer<Float>, height h: Int, width w: Int, rowStart: Int, rowEnd: Int,
                outWidth wo: Int, into col: UnsafeMutablePointer<Float>) {
        let n = (rowEnd - rowStart) * wo
        var dst = col
        for c in 0..<inChannels {
            let plane = input + c * h * w
            for i in 0..<kernel {
                for j in 0..<kernel {
                    var d = dst
                    for y in rowStart..<rowEnd {
                        d.update(from: plane + (y + i) * w + j, count: wo)
                        d += wo
                    }
                    dst += n
                }
            }
        }
    }

    /// `x ← x + bias[o]` (then ReLU) on `columns` columns of each of the O rows.
    func applyBias(_ c: UnsafeMutablePointer<Float>, ldc: Int, columns n: Int, relu: Bool) {
        for o in 0..<outChannels {
            let row = c + o * ldc
            let bo = bias.pointer[o]
            if relu {
                for i in 0..<n { row[i] = max(row[i] + bo, 0) }
            } else {
                for i in 0..<n { row[i] += bo }
            }
        }
    }

    /// Bias, ReLU and 2×2 average pooling of a `[O, rows, width]` chunk (rows even) into the
    /// pooled output rows it covers.
    func poolChunk(_ c: UnsafeMutablePointer<Float>, rows: Int, width wo: Int,
                   into out: UnsafeMutablePointer<Float>, planeStride: Int, pooledWidth wp: Int) {
        let n = rows * wo
        for o in 0..<outChannels {
            let src = c + o * n
            let dst = out + o * planeStride
            let bo = bias.pointer[o]
            for py in 0..<(rows / 2) {
                let r0 = src + (2 * py) * wo, r1 = r0 + wo
                let d = dst + py * wp
                for px in 0..<wp {
                    let a = max(r0[2 * px] + bo, 0) + max(r0[2 * px + 1] + bo, 0)
                    let b = max(r1[2 * px] + bo, 0) + max(r1[2 * px + 1] + bo, 0)
                    d[px] = (a + b) * 0.25
                }
            }
        }
    }
}
