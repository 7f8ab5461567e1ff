import Foundation
import Testing
@testable import Imaging

/// Runs `ImagingBenchmark` on the frames in $HKT_BENCH_IMGDIR (frame_WxH.jpg/.png, as written
/// by imaging_peers.py). Skipped unless HKT_BENCH=1; build in release for meaningful numbers.
@Suite struct ImagingBenchmarkTests {
    static let enabled = ProcessInfo.processInfo.environment["HKT_BENCH"] == "1"

    @Test(.enabled(if: enabled))
    func benchmark() throws {
        let env = ProcessInfo.processInfo.environment
        let dir = env["HKT_BENCH_IMGDIR"] ?? "/tmp/peers/imgs"
        let runs = Int(env["HKT_BENCH_RUNS"] ?? "") ?? 11
        var images: [(label: String, bytes: [UInt8])] = []
        for s in ["640x480", "1920x1080", "4000x3000"] {
            for ext in ["jpg", "png"] {
                let p = "\(dir)/frame_\(s).\(ext)"
                if let d = FileManager.default.contents(atPath: p) { images.append(("\(s).\(ext)", [UInt8](d))) }
            }
        }
        try #require(!images.isEmpty, "no frames in \(dir)")
        print("# swift-imaging runs=\(runs) (median): case size wall_ms cpu_ms")
        let rows = try ImagingBenchmark.run(images: images, runs: runs)
        #expect(rows.allSatisfy { $0.wallMs > 0 })
    }
}
