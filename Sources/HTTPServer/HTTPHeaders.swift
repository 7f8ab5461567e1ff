/// An ordered list of HTTP header fields.
///
/// Names keep the case they were sent or set with; every lookup compares names
/// ASCII-case-insensitively (RFC 9110 §5.1). Order and duplicates are preserved,
/// which matters for `Set-Cookie`-like fields and for trailers.
public struct HTTPHeaders: Sendable, Sequence {
    /// A field: its name as sent or set, and its value.
    public typealias Element = (name: String, value: String)

    @usableFromInline var storage: [(name: String, value: String)]

    /// An empty header list.
    public init() { storage = [] }

    /// Headers from `(name, value)` pairs, in order.
    public init(_ pairs: [(String, String)]) {
        storage = pairs.map { (name: $0.0, value: $0.1) }
    }

    /// The first value for `name` (case-insensitive); setting replaces every field with that
    /// name by one field (or removes them all when set to `nil`).
    public subscript(name: String) -> String? {
        get {
            for field in storage where field.name.asciiCaseInsensitiveEquals(name) { return field.value }
            return nil
        }
        set {
            remove(name: name)
            if let newValue { storage.append((name: name, value: newValue)) }
        }
    }

    /// Appends a field, keeping any existing fields with the same name.
    public mutating func add(name: String, value: String) {
        storage.append((name: name, value: value))
    }

    /// Removes every field named `name` (case-insensitive).
    public mutating func remove(name: String) {
        storage.removeAll { $0.name.asciiCaseInsensitiveEquals(name) }
    }

    /// Every value for `name`, in order.
    public func values(_ name: String) -> [String] {
        storage.filter { $0.name.asciiCaseInsensitiveEquals(name) }.map(\.value)
    }

    /// Whether a field named `name` is present.
    public func contains(_ name: String) -> Bool {
        storage.contains { $0.name.asciiCaseInsensitiveEquals(name) }
    }

    /// Number of fields (duplicates counted).
    public var count: Int { storage.count }

    /// Iterates the fields in order.
    public func makeIterator() -> IndexingIterator<[(name: String, value: String)]> {
        storage.makeIterator()
    }
}

extension String {
    /// ASCII case-insensitive equality without Foundation (header names are ASCII tokens).
    @inlinable
    func asciiCaseInsensitiveEquals(_ other: String) -> Bool {
        var a = self.utf8.makeIterator(), b = other.utf8.makeIterator()
        while true {
            switch (a.next(), b.next()) {
            case (nil, nil): return true
            case let (x?, y?):
                if x != y && asciiLower(x) != asciiLower(y) { return false }
            default: return false
            }
        }
    }
}

@inlinable func asciiLower(_ c: UInt8) -> UInt8 { (c >= 0x41 && c <= 0x5A) ? c | 0x20 : c }
