import CBLAS

/// Winograd F(m×m, r×r) convolution for the 3×3 (m = 4) and 4×4 (m = 3) layers: 36 GEMMs
/// of [O×C]·[C×tiles] replace one [O×C·r²]·[C·r²×pixels] GEMM, 4× fewer multiplications.
///
/// The transforms are separable and vectorised along tile columns: each input row is split
/// into its m phases so that the d[tx·m + j] a tile needs are contiguous in tx.
struct WinogradWeights: @unchecked Sendable {
    let mat: WinogradMatrices
    let outChannels: Int
    let inChannels: Int
    /// U[ξ][o][c] = (G g Gᵀ)[ξ] for ξ = (l, k) in n×n, row-major per ξ: the GEMMs' A operands.
    let u: AlignedStorage
    /// Sparse rows of Bᵀ and Aᵀ (most constants are 0 or ±1).
    let btRows: [[(Int, Float)]]
    let atRows: [[(Int, Float)]]

    /// Output tile side used for each kernel size (nil: not a Winograd layer).
    static func tile(kernel: Int) -> Int? {
        switch kernel {
        case 3: return 4
        case 4: return 3
        default: return nil
        }
    }

    /// Nil unless the layer is a 3×3 or 4×4 conv with enough channels to be GEMM-bound.
    init?(layer weights: [Float], outChannels: Int, inChannels: Int, kernel r: Int) {
        guard let m = Self.tile(kernel: r), inChannels >= 8 else { return nil }
        mat = WinogradMatrices(m: m, r: r)
        self.outChannels = outChannels
        self.inChannels = inChannels
        let n = mat.n
        u = AlignedStorage(count: n * n * outChannels * inChannels)
        let g = mat.g.map { $0.map(Double.init) }
        for o in 0..<outChannels {
            for c in 0..<inChannels {
                let w = (0..<(r * r)).map { Double(weights[(o * inChannels + c) * r * r + $0]) }
                // t = G w (n×r), then U = t Gᵀ (n×n); in Double for accuracy (load time only).
                var t = [Double](repeating: 0, count: n * r)
                for i in 0..<n { for j in 0..<r { var s = 0.0; for k in 0..<r { s += g[i][k] * w[k * r + j] }; t[i * r + j] = s } }
                for i in 0..<n {
                    for j in 0..<n {
                        var s = 0.0
                        for k in 0..<r { s += t[i * r + k] * g[j][k] }
                        u.pointer[((i * n + j) * outChannels + o) * inChannels + c] = Float(s)
                    }
                }
            }
        }
        btRows = mat.bt.map { row in row.enumerated().filter { $0.element != 0 }.map { ($0.offset, $0.element) } }
        atRows = mat.at.map { row in row.enumerated().filter { $0.element != 0 }.map { ($0.offset, $0.element) } }
    }

    func applies(height: Int, width: Int) -> Bool {
        height - mat.r + 1 >= mat.m && width - mat.r + 1 >= mat.m
    }

    /// Tiles per GEMM chunk: enough columns for OpenBLAS, small enough to stay in L2/L3.
    func tileRowsPerChunk(tilesPerRow tx: Int, pooled: Bool) -> Int {
        let budget = 4_000_000 / (mat.n * mat.n * (inChannels + outChannels))
        var rows = max(1, min(budget, 256) / tx)
        // Pooling pairs conv rows; with odd m, a chunk must hold an even number of tile rows.
        if pooled && mat.m % 2 == 1 && rows % 2 == 1 { rows += 1 }
        return rows
    }

    func forward(layer: ConvLayer, input: UnsafePointer<Float>, height h: Int, width w: Int,
                 output: UnsafeMutablePointer<Float>, epilogue: ConvEpilogue,
                 workers: Int, scratch: [WorkerScratch]) {
        let m = mat.m, r = mat.r, n = mat.n
        let ho = h - r + 1, wo = w - r + 1
        let pooled: Bool
        if case .biasReLUPool = epilogue { pooled = true } else { pooled = false }
        let rowsNeeded = pooled ? (ho / 2) * 2 : ho
        let tx = (wo + m - 1) / m
        let tyTotal = (rowsNeeded + m - 1) / m
        let rowsPerChunk = tileRowsPerChunk(tilesPerRow: tx, pooled: pooled)
        let chunks = (tyTotal + rowsPerChunk - 1) / rowsPerChunk
        let c = inChannels, o = outChannels
        // Phase length: tile tx needs phase j % m at index tx + j / m.
        let phaseLength = tx + (n - 1) / m + 1
        let wp = wo / 2, hp = ho / 2

        Parallel.forEach(chunks: chunks, workers: workers) { chunk, worker in
            let ty0 = chunk * rowsPerChunk, ty1 = min(tyTotal, ty0 + rowsPerChunk)
            let tiles = (ty1 - ty0) * tx
            let inRows = (ty1 - ty0) * m + r - 1
            let v = scratch[worker].columns.pointer(count: n * n * c * tiles)
            let mm = scratch[worker].output.pointer(count: n * n * o * tiles + (pooled ? o * (ty1 - ty0) * m * wo : 0))
            let extra = scratch[worker].extra.pointer(count: m * phaseLength + n * inRows * tx + n * m * tx + m * tx + wo + 64)
            let phases = extra, rowT = phases + m * phaseLength
            let z = rowT + n * inRows * tx, outPh = z + n * m * tx

            // Input transform: V[ξ=(l,k)][ch][tile].
            for ch in 0..<c {
                let plane = input + ch * h * w
                for yy in 0..<inRows {
                    let y = ty0 * m + yy
                    phases.update(repeating: 0, count: m * phaseLength)
                    if y < h {
                        let row = plane + y * w
                        for p in 0..<m {
                            let ph = phases + p * phaseLength
                            var t = 0, x = p
                            while x < w && t < phaseLength { ph[t] = row[x]; t += 1; x += m }
                        }
                    }
                    // rowT[k][yy][tx] = Σ_j Bᵀ[k][j] · d[tx·m + j]
                    for k in 0..<n {
                        let dst = rowT + (k * inRows + yy) * tx
                        dst.update(repeating: 0, count: tx)
                        for (j, coef) in btRows[k] {
                            let src = phases + (j % m) * phaseLength + j / m
                            for i in 0..<tx { dst[i] += coef * src[i] }
                        }
                    }
                }
                for ty in 0..<(ty1 - ty0) {
                    for l in 0..<n {
                        for k in 0..<n {
                            let dst = v + ((l * n + k) * c + ch) * tiles + ty * tx
                            dst.update(repeating: 0, count: tx)
                            for (i, coef) in btRows[l] {
                                let src = rowT + (k * inRows + ty * m + i) * tx
                                for t in 0..<tx { dst[t] += coef * src[t] }
                            }
                        }
                    }
                }
            }
            // n² GEMMs: M[ξ] (O × tiles) = U[ξ] (O × C) · V[ξ] (C × tiles).
            for xi in 0..<(n * n) {
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(o), Int32(tiles), Int32(c),
                            1, u.pointer + xi * o * c, Int32(c), v + xi * c * tiles, Int32(tiles),
                            0, mm + xi * o * tiles, Int32(tiles))
            }
            // Output transform Y = Aᵀ M A per channel and tile row, with the epilogue.
            let chunkRows = (ty1 - ty0) * m
            let poolBuffer = mm + n * n * o * tiles
            for oc in 0..<o {
                let bias = layer.bias.pointer[oc]
                for ty in 0..<(ty1 - ty0) {
                    // z[a][k][t] = Σ_l Aᵀ[a][l] · M[(l,k)][oc][ty·tx + t]
                    for a in 0..<m {
                        for k in 0..<n {
                            let dst = z + (a * n + k) * tx
                            dst.update(repeating: 0, count: tx)
                            for (l, coef) in atRows[a] {
                                let src = mm + ((l * n + k) * o + oc) * tiles + ty * tx
                                for t in 0..<tx { dst[t] += coef * src[t] }
                            }
                        }
                    }
                    for a in 0..<m {
                        let yLocal = ty * m + a
                        let y = ty0 * m + yLocal
                        if y >= rowsNeeded { break }
                        for b in 0..<m {
                            let dst = outPh + b * tx
                            dst.update(repeating: 0, count: tx)
                            for (k, coef) in atRows[b] {
                                let src = z + (a * n + k) * tx
                                for t in 0..<tx { dst[t] += coef * src[t] }
                            }
                        }
                        let row: UnsafeMutablePointer<Float> = pooled
                            ? poolBuffer + (oc * chunkRows + yLocal) * wo
                            : output + (oc * ho + y) * wo
                        switch epilogue {
                        case .bias:
                            for x in 0..<wo { row[x] = outPh[(x % m) * tx + x / m] + bias }
                        case .biasReLU:
                            for x in 0..<wo { row[x] = max(outPh[(x % m) * tx + x / m] + bias, 0) }
                        case .biasReLUPool:
                            // Bias and ReLU are applied by poolChunk.
                            for x in 0..<wo { row[x] = outPh[(x % m) * tx + x / m] }
                        }
                    }
                }
            }
            if pooled {
                let rows = min(chunkRows, rowsNeeded - ty0 * m)
                // Stored rows are [oc][chunkRows][wo]; poolChunk expects [oc][rows][wo].
                if rows != chunkRows {
                    for oc in 1..<o { (poolBuffer + oc * rows * wo).update(from: poolBuffer + oc * chunkRows * wo, count: rows * wo) }
                }
                layer.poolChunk(poolBuffer, rows: rows, width: wo, into: output + (ty0 * m / 2) * wp, planeStride: hp * wp, pooledWidth: wp)
            }
        }
    }
}
