#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes HTTP/1.1 response heads and bodies into a reusable byte buffer (one `send` per
/// response), with a `Date` value cached per second.
struct ResponseSerializer {
    let serverHeader: [UInt8]
    private var dateSecond: time_t = -1
    private var dateLine: [UInt8] = []

    init(serverName: String) {
        serverHeader = serverName.isEmpty ? [] : Array("Server: \(serverName)\r\n".utf8)
    }

    /// The `Date: ...\r\n` line for now (IMF-fixdate, RFC 9110 §5.6.7).
    mutating func currentDateLine() -> [UInt8] {
        let now = time(nil)
        if now != dateSecond {
            dateSecond = now
            var t = now
            var tmv = tm()
            gmtime_r(&t, &tmv)
            let days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
            let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
            func two(_ v: Int32) -> String { v < 10 ? "0\(v)" : "\(v)" }
            let s = "Date: \(days[Int(tmv.tm_wday)]), \(two(tmv.tm_mday)) \(months[Int(tmv.tm_mon)]) \(tmv.tm_year + 1900) \(two(tmv.tm_hour)):\(two(tmv.tm_min)):\(two(tmv.tm_sec)) GMT\r\n"
            dateLine = Array(s.utf8)
        }
        return dateLine
    }

    /// Appends the full response to `out`; returns the number of body bytes written.
    /// - Parameters:
    ///   - headOnly: a HEAD request: Content-Length of the body, but no body bytes.
    ///   - keepAlive: whether the connection stays open; `http10` adds `Connection: keep-alive`.
    @discardableResult
    mutating func serialize(_ r: HTTPResponse, requestID: String, headOnly: Bool, keepAlive: Bool, http10: Bool,
                            streamed: Bool = false, into out: inout [UInt8]) -> Int {
        let status = (100...999).contains(r.status) ? r.status : 500
        out.append(contentsOf: "HTTP/1.1 ".utf8)
        out.append(UInt8(0x30 + status / 100))
        out.append(UInt8(0x30 + (status / 10) % 10))
        out.append(UInt8(0x30 + status % 10))
        out.append(0x20)
        out.append(contentsOf: HTTPStatus.reason(status).utf8)
        out.append(contentsOf: [0x0D, 0x0A])
        var hasServer = false
        for (name, value) in r.headers {
            switch name.utf8.count {
            case 14 where name.asciiCaseInsensitiveEquals("content-length"): continue
            case 17 where name.asciiCaseInsensitiveEquals("transfer-encoding"): continue
            case 10 where name.asciiCaseInsensitiveEquals("connection"): continue
            case 4 where name.asciiCaseInsensitiveEquals("date"): continue
            case 12 where name.asciiCaseInsensitiveEquals("x-request-id"): continue
            case 6 where name.asciiCaseInsensitiveEquals("server"): hasServer = true
            default: break
            }
            // Never let a handler split the response: drop fields with CR/LF or an invalid name.
            guard !name.isEmpty, name.utf8.allSatisfy(isTokenChar),
                  value.utf8.allSatisfy({ $0 != 0x0D && $0 != 0x0A && $0 != 0 }) else { continue }
            out.append(contentsOf: name.utf8)
            out.append(contentsOf: [0x3A, 0x20])
            out.append(contentsOf: value.utf8)
            out.append(contentsOf: [0x0D, 0x0A])
        }
        if !hasServer { out.append(contentsOf: serverHeader) }
        out.append(contentsOf: currentDateLine())
        if !requestID.isEmpty {
            out.append(contentsOf: "X-Request-Id: ".utf8)
            out.append(contentsOf: requestID.utf8)
            out.append(contentsOf: [0x0D, 0x0A])
        }
        let noBody = HTTPStatus.forbidsBody(status)
        if streamed {
            // Chunked for HTTP/1.1; an HTTP/1.0 stream ends when the connection closes.
            if !http10 { out.append(contentsOf: "Transfer-Encoding: chunked\r\n".utf8) }
        } else if !noBody {
            out.append(contentsOf: "Content-Length: ".utf8)
            appendDecimal(r.body.count, to: &out)
            out.append(contentsOf: [0x0D, 0x0A])
        }
        if !keepAlive {
            out.append(contentsOf: "Connection: close\r\n".utf8)
        } else if http10 {
            out.append(contentsOf: "Connection: keep-alive\r\n".utf8)
        }
        out.append(contentsOf: [0x0D, 0x0A])
        if noBody || headOnly || streamed { return 0 }
        out.append(contentsOf: r.body)
        return r.body.count
    }
}

func appendDecimal(_ v: Int, to out: inout [UInt8]) {
    if v == 0 { out.append(0x30); return }
    var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                 UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) =
        (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
    var n = v, i = 0
    withUnsafeMutableBytes(of: &digits) { d in
        while n > 0 { d[i] = UInt8(0x30 + n % 10); n /= 10; i += 1 }
        while i > 0 { i -= 1; out.append(d[i]) }
    }
}
