@preconcurrency import Dispatch
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Turns SIGTERM/SIGINT (or other signals) into a callback or an awaitable event via
/// `DispatchSource`, for graceful shutdown in an executable:
///
/// ```swift
/// let signal = await SignalWatcher.wait(for: [SIGTERM, SIGINT])
/// await server.shutdown(deadline: .seconds(10))
/// ```
/// The watched signals' default action is disabled while the watcher lives (so the process is
/// not killed before it can drain). A second signal is delivered to the handler too; callers
/// may use it to stop waiting for the drain.
public final class SignalWatcher: Sendable {
    private let sources: Mutex<[DispatchSourceSignal]>

    /// Starts watching `signals`; `handler` runs on a private queue for each delivery.
    public init(signals: [Int32] = [SIGTERM, SIGINT], handler: @escaping @Sendable (Int32) -> Void) {
        let queue = DispatchQueue(label: "hkt.signals")
        var list: [DispatchSourceSignal] = []
        for s in signals {
            signal(s, SIG_IGN)
            let src = DispatchSource.makeSignalSource(signal: s, queue: queue)
            src.setEventHandler { handler(s) }
            src.resume()
            list.append(src)
        }
        sources = Mutex(list)
    }

    /// Stops watching and restores the default action of the signals.
    public func cancel() {
        let list = sources.withLock { s -> [DispatchSourceSignal] in
            let l = s
            s = []
            return l
        }
        for src in list {
            src.cancel()
            signal(Int32(src.handle), SIG_DFL)
        }
    }

    deinit { cancel() }

    /// Waits for the first of `signals` and returns it.
    public static func wait(for signals: [Int32] = [SIGTERM, SIGINT]) async -> Int32 {
        let box = Mutex<(watcher: SignalWatcher?, done: Bool)>((nil, false))
        return await withCheckedContinuation { (cont: CheckedContinuation<Int32, Never>) in
            let watcher = SignalWatcher(signals: signals) { sig in
                let resume = box.withLock { b -> Bool in
                    if b.done { return false }
                    b.done = true
                    return true
                }
                if resume { cont.resume(returning: sig) }
            }
            box.withLock { $0.watcher = watcher }
        }
    }
}
