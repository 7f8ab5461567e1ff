#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Why ``HTTPServer/start()`` failed.
public enum HTTPServerError: Error, Sendable, CustomStringConvertible, Equatable {
    /// `host` is not a numeric IPv4/IPv6 address (or `localhost`).
    case invalidAddress(host: String)
    /// `port` is outside 0...65535.
    case invalidPort(Int)
    /// A socket call failed, e.g. `bind` with `EADDRINUSE`.
    case socket(operation: String, address: String, errno: Int32)
    /// `start()` was called twice or after shutdown.
    case alreadyStarted

    /// One line naming the address, the OS error text and errno, with a hint where useful.
    public var description: String {
        switch self {
        case .invalidAddress(let h):
            return "invalid listen address '\(h)': use a numeric IPv4/IPv6 address such as 0.0.0.0, ::, 127.0.0.1 or ::1"
        case .invalidPort(let p):
            return "invalid port \(p): must be 0...65535"
        case .socket(let op, let addr, let e):
            let text = String(cString: strerror(e))
            var hint = ""
            if e == EADDRINUSE { hint = " (another process is listening there; pick another --port or stop it)" }
            if e == EACCES { hint = " (ports below 1024 need privileges)" }
            if e == EADDRNOTAVAIL { hint = " (that address is not configured on this machine)" }
            return "cannot \(op) \(addr): \(text) (errno \(e))\(hint)"
        case .alreadyStarted:
            return "HTTPServer.start() called more than once"
        }
    }
}
