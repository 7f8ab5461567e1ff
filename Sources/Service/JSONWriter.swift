/// A tiny, allocation-light JSON object writer for the service's responses.
///
/// Responses are written by hand so that key order is stable and numbers never print as
/// `nan`/`inf` (invalid JSON): a non-finite number becomes `null`.
struct JSONWriter {
    private(set) var text = ""
    /// Per open container: whether it already holds an element.
    private var hasElement: [Bool] = []
    private var afterKey = false

    mutating func beginObject() { separate(); text += "{"; hasElement.append(false) }
    mutating func endObject() { text += "}"; hasElement.removeLast() }
    mutating func beginArray() { separate(); text += "["; hasElement.append(false) }
    mutating func endArray() { text += "]"; hasElement.removeLast() }

    mutating func key(_ k: String) {
        separate()
        Self.appendString(k, to: &text)
        text += ":"
        afterKey = true
    }

    /// Writes the comma before an element unless it is the first or follows its key.
    private mutating func separate() {
        if afterKey { afterKey = false; return }
        guard let last = hasElement.indices.last else { return }
        if hasElement[last] { text += "," }
        hasElement[last] = true
    }

    mutating func string(_ s: String) { separate(); Self.appendString(s, to: &text) }
    mutating func bool(_ b: Bool) { separate(); text += b ? "true" : "false" }
    mutating func null() { separate(); text += "null" }
    mutating func int(_ i: Int) { separate(); text += String(i) }
    mutating func number(_ d: Double) { separate(); text += d.isFinite ? "\(d)" : "null" }
    mutating func number(_ f: Float) { separate(); text += f.isFinite ? "\(f)" : "null" }
    /// Inserts already-encoded JSON (for example a metadata value that is itself JSON).
    mutating func raw(_ json: String) { separate(); text += json }

    mutating func field(_ k: String, _ v: String) { key(k); string(v) }
    mutating func field(_ k: String, _ v: Int) { key(k); int(v) }
    mutating func field(_ k: String, _ v: Double) { key(k); number(v) }
    mutating func field(_ k: String, _ v: Float) { key(k); number(v) }
    mutating func field(_ k: String, _ v: Bool) { key(k); bool(v) }

    static func appendString(_ s: String, to out: inout String) {
        out += "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        out += "\""
    }
}
