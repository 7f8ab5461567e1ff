@preconcurrency import Dispatch
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Accepts connections on the listening socket and spreads them round-robin over the loops.
final class Acceptor: @unchecked Sendable {  // used only on the accept queue
    let listenerFD: Int32
    let loops: [IOLoop]
    let context: ServerContext
    private var next = 0
    private var paused = false
    let queue: DispatchQueue

    init(listenerFD: Int32, loops: [IOLoop], context: ServerContext, queue: DispatchQueue) {
        self.queue = queue
        self.listenerFD = listenerFD
        self.loops = loops
        self.context = context
    }

    func acceptAll(source: DispatchSourceRead) {
        while true {
            var ss = sockaddr_storage()
            var len = socklen_t(MemoryLayout<sockaddr_storage>.size)
            let fd = withUnsafeMutablePointer(to: &ss) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    accept(listenerFD, $0, &len)
                }
            }
            if fd < 0 {
                let e = errno
                if e == EINTR || e == ECONNABORTED { continue }
                if e == EAGAIN || e == EWOULDBLOCK { return }
                if e == EMFILE || e == ENFILE || e == ENOBUFS || e == ENOMEM {
                    // Out of descriptors: back off instead of spinning on a readable listener.
                    context.logger.error("accept failed: \(String(cString: strerror(e))); pausing accepts for 100 ms (raise ulimit -n or lower maxConnections)")
                    if !paused {
                        paused = true
                        source.suspend()
                        queue.asyncAfter(deadline: .now() + .milliseconds(100)) { [self] in
                            paused = false
                            source.resume()
                        }
                    }
                    return
                }
                context.logger.error("accept failed: \(String(cString: strerror(e)))")
                return
            }
            // accept4 is not exported by the Glibc module; two fcntl calls per connection are cheap.
            Socket.setNonBlocking(fd)
            _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
            Socket.setNoDelay(fd)
            let over = context.connections.load(ordering: .relaxed) >= context.configuration.maxConnections
            if !over { context.connections.add(1, ordering: .relaxed) }
            let loop = loops[next % loops.count]
            next &+= 1
            let conn = Connection(fd: fd, remote: Socket.describe(ss), loop: loop, rejected: over)
            loop.queue.async { loop.register(conn) }
        }
    }
}
