/// Cook–Toom (Winograd) matrices for the 1-D correlation F(m, r): y = Aᵀ[(G g) ⊙ (Bᵀ d)],
/// built from n − 1 finite interpolation points plus the point at infinity (n = m + r − 1).
///
/// Derivation: the linear convolution g(x)·e(x) is evaluated at the points (A, G), multiplied
/// pointwise and interpolated back (B, Lagrange plus the leading coefficient); correlation is
/// its transpose. Computed in Double, stored as Float.
struct WinogradMatrices: Sendable {
    let m: Int
    let r: Int
    var n: Int { m + r - 1 }
    /// m × n
    let at: [[Float]]
    /// n × r
    let g: [[Float]]
    /// n × n
    let bt: [[Float]]

    /// Points 0, ±1, ±2, ±1/2 … in that order (the usual choice; keeps the constants small).
    static func points(_ count: Int) -> [Double] {
        let all: [Double] = [0, 1, -1, 2, -2, 0.5, -0.5, 3, -3]
        precondition(count <= all.count)
        return Array(all.prefix(count))
    }

    init(m: Int, r: Int) {
        self.m = m
        self.r = r
        let n = m + r - 1
        let p = Self.points(n - 1)
        // Coefficients (ascending powers) of Π_{l ∈ set} (x − p_l).
        func product(excluding j: Int?) -> [Double] {
            var c: [Double] = [1]
            for l in 0..<(n - 1) where l != j {
                var next = [Double](repeating: 0, count: c.count + 1)
                for (i, v) in c.enumerated() {
                    next[i + 1] += v
                    next[i] -= p[l] * v
                }
                c = next
            }
            return c + [Double](repeating: 0, count: n - c.count)
        }
        var at = [[Double]](repeating: [Double](repeating: 0, count: n), count: m)
        for i in 0..<m {
            for j in 0..<(n - 1) { at[i][j] = Foundation.pow(p[j], Double(i)) }
            at[i][n - 1] = i == m - 1 ? 1 : 0
        }
        var g = [[Double]](repeating: [Double](repeating: 0, count: r), count: n)
        for j in 0..<(n - 1) {
            var f = 1.0
            for l in 0..<(n - 1) where l != j { f *= p[j] - p[l] }
            for k in 0..<r { g[j][k] = Foundation.pow(p[j], Double(k)) / f }
        }
        g[n - 1][r - 1] = 1
        var bt = [[Double]](repeating: [], count: n)
        for j in 0..<(n - 1) { bt[j] = product(excluding: j) }
        bt[n - 1] = product(excluding: nil)
        self.at = at.map { $0.map(Float.init) }
        self.g = g.map { $0.map(Float.init) }
        self.bt = bt.map { $0.map(Float.init) }
    }
}

import Foundation
