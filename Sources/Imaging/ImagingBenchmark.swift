#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Timings of the image path (decode → resize → normalise; heatmap → PNG), for `hkt-serve bench`
/// and benchmarks/imaging.sh. Each case runs once to warm up, then `runs` times; the median of
/// wall and of this thread's CPU time is reported (CPU is steadier on a loaded machine).
public enum ImagingBenchmark {
    public struct Row: Sendable, CustomStringConvertible {
        public let name: String
        public let size: String
        public let wallMs: Double
        public let cpuMs: Double
        public let note: String
        public var description: String {
            let w = (wallMs * 100).rounded() / 100, c = (cpuMs * 100).rounded() / 100
            func pad(_ s: String, _ n: Int) -> String { s.count >= n ? s : s + String(repeating: " ", count: n - s.count) }
            return "\(pad(name, 44)) \(pad(size, 10)) \(pad("\(w)", 9)) \(pad("\(c)", 9))\(note.isEmpty ? "" : "  (\(note))")"
        }
    }

    /// Median (wall ms, CPU ms) of `runs` calls of `body`, after one warm-up call.
    public static func measure(runs: Int, _ body: () throws -> Void) rethrows -> (Double, Double) {
        try body()
        var wall: [Double] = [], cpu: [Double] = []
        for _ in 0..<max(1, runs) {
            let w0 = now(CLOCK_MONOTONIC), c0 = now(CLOCK_THREAD_CPUTIME_ID)
            try body()
            let c1 = now(CLOCK_THREAD_CPUTIME_ID), w1 = now(CLOCK_MONOTONIC)
            wall.append((w1 - w0) * 1e3)
            cpu.append((c1 - c0) * 1e3)
        }
        return (median(wall), median(cpu))
    }

    /// Runs the decode cases for each encoded image (name → bytes) and the heatmap cases.
    /// - Parameters:
    ///   - images: label (e.g. "1920x1080.jpg") and file bytes.
    ///   - size: model input side (256).
    public static func run(images: [(label: String, bytes: [UInt8])], size: Int = 256, runs: Int = 11,
                           heatmaps: Bool = true, log: (Row) -> Void = { print($0) }) throws -> [Row] {
        var rows: [Row] = []
        func add(_ name: String, _ sz: String, _ r: (Double, Double), _ note: String = "") {
            let row = Row(name: name, size: sz, wallMs: r.0, cpuMs: r.1, note: note)
            rows.append(row)
            log(row)
        }
        for (_, bytes) in images {
            let probe = try ImageDecoder.decode(bytes, minimumSide: size)
            let sz = "\(probe.originalWidth)x\(probe.originalHeight)"
            let fmt = probe.format.rawValue.uppercased()
            add("\(fmt) decode only (full)", sz, try measure(runs: runs) { _ = try ImageDecoder.decode(bytes) })
            add("\(fmt) decode+resize\(size)+CHW (full decode)", sz, try measure(runs: runs) {
                let d = try ImageDecoder.decode(bytes)
                _ = Preprocess.modelInput(d.image, size: size, mean: Preprocess.imageNetMean, std: Preprocess.imageNetStd)
            })
            if probe.format == .jpeg {
                add("JPEG scaled decode+resize\(size)+CHW", sz, try measure(runs: runs) {
                    let d = try ImageDecoder.decode(bytes, minimumSide: size)
                    _ = Preprocess.modelInput(d.image, size: size, mean: Preprocess.imageNetMean, std: Preprocess.imageNetStd)
                }, "scale \(probe.scaleNumerator)/8 -> \(probe.image.width)x\(probe.image.height)")
            } else {
                add("PNG streamed decode+resize\(size)+CHW", sz, try measure(runs: runs) {
                    _ = try Preprocess.decodeModelInput(bytes, size: size)
                }, "decodeModelInput")
            }
        }
        guard heatmaps else { return rows }
        let map = sampleMap(256)
        for (w, h) in [(256, 256), (1920, 1080)] {
            let sz = "\(w)x\(h)"
            for level in [1, 6] {
                var n = 0
                add("heatmap png (palette) lvl\(level)", sz, try measure(runs: runs) {
                    n = try Heatmap.renderPNG(map: map, mapWidth: 256, mapHeight: 256, mode: .png, threshold: 0.5,
                                              background: nil, outputWidth: w, outputHeight: h,
                                              compressionLevel: level).count
                }, "\(n / 1000) kB")
                if level == 1 {
                    add("heatmap png (palette) lvl1 Z_RLE", sz, try measure(runs: runs) {
                        let m = MapResize.float(map, width: 256, height: 256, toWidth: w, toHeight: h)
                        let idx = m.map { Colormap.index($0) }
                        n = try PNGEncoder.encodeIndexed(idx, width: w, height: h, palette: Colormap.turbo,
                                                         strategy: .rle).count
                    }, "\(n / 1000) kB")
                }
                for filter in [PNGEncoder.Filter.none, .sub, .up, .paeth] where level == 1 || filter == .sub {
                    add("heatmap RGB encode lvl\(level) filter \(filter)", sz, try measure(runs: runs) {
                        let img = Heatmap.render(map: map, mapWidth: 256, mapHeight: 256, mode: .png, threshold: 0.5,
                                                 background: nil, outputWidth: w, outputHeight: h)
                        n = try PNGEncoder.encode(img, compressionLevel: level, filter: filter).count
                    }, "\(n / 1000) kB")
                }
            }
            var n = 0
            add("heatmap mask (1-bit) lvl1", sz, try measure(runs: runs) {
                n = try Heatmap.renderPNG(map: map, mapWidth: 256, mapHeight: 256, mode: .mask, threshold: 0.5,
                                          background: nil, outputWidth: w, outputHeight: h).count
            }, "\(n / 1000) kB")
            let bg = RGBImage(width: w, height: h, pixels: (0..<(w * h * 3)).map { UInt8(truncatingIfNeeded: $0 / 7) })
            add("heatmap overlay RGB lvl1", sz, try measure(runs: runs) {
                n = try Heatmap.renderPNG(map: map, mapWidth: 256, mapHeight: 256, mode: .overlay, threshold: 0.5,
                                          background: bg, outputWidth: w, outputHeight: h).count
            }, "\(n / 1000) kB")
        }
        return rows
    }

    /// A smooth map with a few Gaussian blobs plus N(0, 0.01)-like noise in [0, 1], like a
    /// normalised anomaly map (and like imaging_peers.py's map, so PNG sizes compare).
    public static func sampleMap(_ n: Int) -> [Float] {
        var m = [Float](repeating: 0, count: n * n)
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        func uniform() -> Float {  // xorshift64*, deterministic
            state ^= state >> 12; state ^= state << 25; state ^= state >> 27
            return Float((state &* 0x2545_F491_4F6C_DD1D) >> 40) / Float(1 << 24)
        }
        let blobs: [(Float, Float, Float, Float)] = [(0.2, 0.3, 0.05, 0.9), (0.7, 0.6, 0.1, 0.6),
                                                     (0.5, 0.8, 0.03, 1.0), (0.85, 0.15, 0.08, 0.4)]
        var peak: Float = 0
        for y in 0..<n {
            for x in 0..<n {
                let fx = Float(x) / Float(n), fy = Float(y) / Float(n)
                var v: Float = 0
                for (cx, cy, s, a) in blobs {
                    v += a * expf(-((fx - cx) * (fx - cx) + (fy - cy) * (fy - cy)) / (2 * s * s))
                }
                v += 0.01 * 1.732 * (uniform() + uniform() + uniform() + uniform() - 2)
                m[y * n + x] = v
                peak = max(peak, v)
            }
        }
        return m.map { min(max($0 / peak, 0), 1) }
    }

    static func now(_ clock: clockid_t) -> Double {
        var ts = timespec()
        clock_gettime(clock, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
    }

    static func median(_ v: [Double]) -> Double {
        let s = v.sorted()
        return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
    }
}
