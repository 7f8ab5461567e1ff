import Foundation

/// How many cores this process may really use: the processor count, capped by a cgroup CPU
/// quota (a Kubernetes CPU limit), so the engine does not run more threads than it is given
/// and get throttled on every inference.
public enum CPUQuota {
    public static func availableCores() -> Int {
        let processors = ProcessInfo.processInfo.activeProcessorCount
        guard let quota = cgroupQuota() else { return processors }
        return max(1, min(processors, Int(quota.rounded(.up))))
    }

    /// CPUs allowed by cgroup v2 `cpu.max` or v1 `cpu.cfs_quota_us / cpu.cfs_period_us`; nil when unlimited.
    static func cgroupQuota() -> Double? {
        if let text = try? String(contentsOfFile: "/sys/fs/cgroup/cpu.max", encoding: .utf8) {
            return parseV2(text)
        }
        if let q = try? String(contentsOfFile: "/sys/fs/cgroup/cpu/cpu.cfs_quota_us", encoding: .utf8),
           let p = try? String(contentsOfFile: "/sys/fs/cgroup/cpu/cpu.cfs_period_us", encoding: .utf8),
           let quota = Double(q.trimmingCharacters(in: .whitespacesAndNewlines)),
           let period = Double(p.trimmingCharacters(in: .whitespacesAndNewlines)), quota > 0, period > 0 {
            return quota / period
        }
        return nil
    }

    /// `"max 100000"` → nil; `"150000 100000"` → 1.5.
    static func parseV2(_ text: String) -> Double? {
        let fields = text.split(whereSeparator: \.isWhitespace)
        guard fields.count == 2, let quota = Double(fields[0]), let period = Double(fields[1]), period > 0 else {
            return nil
        }
        return quota / period
    }
}
