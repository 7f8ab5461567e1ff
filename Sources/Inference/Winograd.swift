import CBLAS

/// Winograd F(m×m, r×r) convolution for the 3×3 (m = 4) and 4×4 (m = 3) layers: 36 GEMMs
/// of [O×C]·[C×tiles] replace one [O×C·r²]·[C·r²×pixels] GEMM, 4× fewer multiplications.
///
/// Layout, chosen so every transform step is a few long contiguous vector loops:
/// - Tiles are indexed `ty·L + t` with `L = tx + ⌈…⌉` ≥ tiles per row; the `L − tx` extra
///   "junk" tiles per row are computed from finite neighbouring data and never stored.
/// - Each input row is split into its m phases (`d[t·m + p]`), so the `d[tx·m + j]` a tile
///   needs are contiguous in t; rows are kept phase-major (`row = q·m + p` at `p·Q + q`), so
///   the vertical transform reads whole blocks of consecutive tile rows.
struct WinogradWeights: @unchecked Sendable {
    let mat: WinogradMatrices
    let outChannels: Int
    let inChannels: Int
    /// U[ξ][o][c] = (G g Gᵀ)[ξ] for ξ = (l, k) in n×n, row-major per ξ: the GEMMs' A operands.
    let u: AlignedStorage
    /// Sparse rows of Bᵀ and Aᵀ (most constants are 0 or ±1).
    let bt: SparseRows
    let at: SparseRows

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
        bt = SparseRows(mat.bt)
        at = SparseRows(mat.at)
    }

    func applies(height: Int, width: Int) -> Bool {
        height - mat.r + 1 >= mat.m && width - mat.r + 1 >= mat.m
    }

    /// Tile rows per chunk: ~320 GEMM columns (OpenBLAS is inefficient below ~150), V and M
    /// within ~64 MB per worker, and at least two chunks so both cores have work. Independent of the
    /// worker count, so results are bit-identical however many callers share the cores.
    func tileRowsPerChunk(rowLength: Int, tileRows: Int, pooled: Bool) -> Int {
        let budget = Self.budgetFloats / (mat.n * mat.n * (inChannels + outChannels))
        var rows = max(1, min(budget, Self.targetTiles) / rowLength)
        rows = min(rows, max(1, (tileRows + 1) / 2))
        // Pooling pairs conv rows; with odd m, a chunk must hold an even number of tile rows.
        if pooled && mat.m % 2 == 1 && rows % 2 == 1 { rows += 1 }
        return rows
    }

    /// Measured (thread-CPU, HKT shapes): 320 → 640 → 1000 tiles cut conv2 from 133 to 96 ms.
    static let targetTiles = 1000
    static let budgetFloats = 16_000_000

    func forward(layer: ConvLayer, input: UnsafePointer<Float>, height h: Int, width w: Int,
                 output: UnsafeMutablePointer<Float>, epilogue: ConvEpilogue,
                 workers: Int, scratch: [WorkerScratch]) {
        let m = mat.m, r = mat.r, n = mat.n
        let ho = h - r + 1, wo = w - r + 1
        let pooled: Bool
        if case .biasReLUPool = epilogue { pooled = true } else { pooled = false }
        let rowsNeeded = pooled ? (ho / 2) * 2 : ho
        let tx = (wo + m - 1) / m
        // Row length in tiles; tile t reads phase entries t … t + (n−1)/m.
        let rowLength = tx + (n - 1) / m + 1
        let tyTotal = (rowsNeeded + m - 1) / m
        let rowsPerChunk = tileRowsPerChunk(rowLength: rowLength, tileRows: tyTotal, pooled: pooled)
        let chunks = (tyTotal + rowsPerChunk - 1) / rowsPerChunk
        let c = inChannels, o = outChannels
        let wp = wo / 2, hp = ho / 2

        Parallel.forEach(chunks: chunks, workers: workers) { chunk, worker in
            let ty0 = chunk * rowsPerChunk, ty1 = min(tyTotal, ty0 + rowsPerChunk)
            let tileRows = ty1 - ty0
            let tiles = tileRows * rowLength
            let inRows = tileRows * m + r - 1
            let q = (inRows + m - 1) / m          // rows per phase
            let rowsStored = q * m
            let planeFloats = rowsStored * rowLength
            let chunkRows = tileRows * m
            let v = scratch[worker].columns.pointer(count: n * n * c * tiles)
            let mm = scratch[worker].output.pointer(count: n * n * o * tiles + (pooled ? o * chunkRows * wo : 0))
            // phases (m planes) + rowT (n planes) + slack, reused for z (m·n) + outPh (m) later.
            let extraCount = max((m + n) * planeFloats + rowLength, (m * n + m) * tiles) + 4 * rowLength
            let extra = scratch[worker].extra.pointer(count: extraCount)
            let phases = extra, rowT = extra + m * planeFloats + rowLength
            let bt = self.bt.view, at = self.at.view

            // Input transform: V[ξ=(l,k)][ch][tile].
            for ch in 0..<c {
                let plane = input + ch * h * w
                // Split each input row into m phases; phase p of row (qq·m + pp) goes to
                // phases[p][pp·Q + qq]. Rows past the input are zero.
                phases.update(repeating: 0, count: m * planeFloats)
                for yy in 0..<inRows {
                    let y = ty0 * m + yy
                    guard y < h else { break }
                    let row = plane + y * w
                    let slot = ((yy % m) * q + yy / m) * rowLength
                    for p in 0..<m {
                        let ph = phases + p * planeFloats + slot
                        var t = 0, x = p
                        while x < w { ph[t] = row[x]; t += 1; x += m }
                    }
                }
                // Horizontal: rowT[k] = Σ_j Bᵀ[k][j] · phases[j % m] shifted by j / m.
                for k in 0..<n {
                    bt.combine(row: k, into: rowT + k * planeFloats, count: planeFloats) { j in
                        UnsafePointer(phases + (j % m) * planeFloats + j / m)
                    }
                }
                // Vertical: V[(l,k)][ch][ty·L + t] = Σ_i Bᵀ[l][i] · rowT[k][row ty·m + i].
                for l in 0..<n {
                    for k in 0..<n {
                        bt.combine(row: l, into: v + ((l * n + k) * c + ch) * tiles, count: tiles) { i in
                            UnsafePointer(rowT + k * planeFloats + ((i % m) * q + i / m) * rowLength)
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
            // Output transform Y = Aᵀ M A per output channel, with the epilogue.
            let poolBuffer = mm + n * n * o * tiles
            let z = extra, outPh = extra + m * n * tiles
            for oc in 0..<o {
                let bias = layer.bias.pointer[oc]
                for a in 0..<m {
                    for k in 0..<n {
                        at.combine(row: a, into: z + (a * n + k) * tiles, count: tiles) { l in
                            UnsafePointer(mm + ((l * n + k) * o + oc) * tiles)
                        }
                    }
                }
                for a in 0..<m {
                    for b in 0..<m {
                        at.combine(row: b, into: outPh + b * tiles, count: tiles) { k in UnsafePointer(z + (a * n + k) * tiles) }
                    }
                    for ty in 0..<tileRows {
                        let yLocal = ty * m + a
                        let y = ty0 * m + yLocal
                        if y >= rowsNeeded { break }
                        let row: UnsafeMutablePointer<Float> = pooled
                            ? poolBuffer + (oc * chunkRows + yLocal) * wo
                            : output + (oc * ho + y) * wo
                        // Interleave the m phases back into the row (pooled layers get bias
                        // and ReLU in poolChunk).
                        for b in 0..<m {
                            let ph = outPh + b * tiles + ty * rowLength
                            let count = (wo - b + m - 1) / m
                            switch epilogue {
                            case .bias: for t in 0..<count { row[t * m + b] = ph[t] + bias }
                            case .biasReLU: for t in 0..<count { row[t * m + b] = max(ph[t] + bias, 0) }
                            case .biasReLUPool: for t in 0..<count { row[t * m + b] = ph[t] }
                            }
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

/// A small constant matrix stored by rows as (column, coefficient) pairs without zeros.
final class SparseRows: @unchecked Sendable {
    let starts: UnsafeMutablePointer<Int>
    let columns: UnsafeMutablePointer<Int>
    let coefficients: UnsafeMutablePointer<Float>

    init(_ dense: [[Float]]) {
        var starts = [0], columns: [Int] = [], coefficients: [Float] = []
        for row in dense {
            for (j, v) in row.enumerated() where v != 0 { columns.append(j); coefficients.append(v) }
            starts.append(columns.count)
        }
        self.starts = .allocate(capacity: starts.count)
        self.starts.initialize(from: starts, count: starts.count)
        self.columns = .allocate(capacity: max(1, columns.count))
        self.columns.initialize(from: columns, count: columns.count)
        self.coefficients = .allocate(capacity: max(1, coefficients.count))
        self.coefficients.initialize(from: coefficients, count: coefficients.count)
    }

    deinit {
        starts.deallocate(); columns.deallocate(); coefficients.deallocate()
    }

    /// A non-owning view for hot loops (no reference counting).
    var view: View { View(starts: starts, columns: columns, coefficients: coefficients) }

    struct View {
        let starts: UnsafeMutablePointer<Int>
        let columns: UnsafeMutablePointer<Int>
        let coefficients: UnsafeMutablePointer<Float>

        /// `dst[t] = Σ_j row[j] · source(j)[t]` for t < count (the first term assigns, so
        /// `dst` needs no clearing).
        @inline(__always)
        func combine(row: Int, into dst: UnsafeMutablePointer<Float>, count: Int, source: (Int) -> UnsafePointer<Float>) {
            let s0 = starts[row], s1 = starts[row + 1]
            if s0 == s1 { dst.update(repeating: 0, count: count); return }
            let first = source(columns[s0]), c0 = coefficients[s0]
            if c0 == 1 { dst.update(from: first, count: count) } else { for t in 0..<count { dst[t] = c0 * first[t] } }
            var e = s0 + 1
            while e < s1 {
                let src = source(columns[e]), coef = coefficients[e]
                if coef == 1 { for t in 0..<count { dst[t] += src[t] } }
                else if coef == -1 { for t in 0..<count { dst[t] -= src[t] } }
                else { for t in 0..<count { dst[t] += coef * src[t] } }
                e += 1
            }
        }
    }
}
