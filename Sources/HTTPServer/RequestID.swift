import Synchronization

/// Request ids: the client's `X-Request-Id` when sane, otherwise `<process prefix>-<counter>`.
enum RequestID {
    /// A random per-process prefix keeps ids unique across restarts without a syscall per request.
    private static let prefix: String = {
        var g = SystemRandomNumberGenerator()
        let v = UInt32.random(in: .min ... .max, using: &g)
        let s = String(v, radix: 16)
        return String(repeating: "0", count: 8 - s.count) + s
    }()
    private static let counter = Atomic<UInt64>(0)

    static func generate() -> String {
        let n = counter.wrappingAdd(1, ordering: .relaxed).newValue
        return prefix + "-" + String(n, radix: 16)
    }

    /// Accepts 1...128 visible ASCII characters (no spaces or controls), so the id is safe to
    /// echo in a header and to write in a log line.
    static func isSane(_ s: String) -> Bool {
        let u = s.utf8
        guard !u.isEmpty, u.count <= 128 else { return false }
        return u.allSatisfy { $0 >= 0x21 && $0 <= 0x7E }
    }
}
