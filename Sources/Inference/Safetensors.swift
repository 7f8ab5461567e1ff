import Foundation

/// A parsed and validated safetensors container (header + data section), independent of any
/// model architecture.
public struct Safetensors: Sendable {
    /// One tensor's header entry.
    public struct Entry: Sendable, Equatable {
        public let dtype: String
        public let shape: [Int]
        /// Byte range relative to the start of the data section.
        public let begin: Int
        public let end: Int
    }

    /// The parser refuses headers larger than this (the format's own limit is 100 MB).
    public static let maxHeaderBytes = 100_000_000

    /// Bytes per element of every dtype the format defines.
    static let dtypeSizes: [String: Int] = [
        "BOOL": 1, "U8": 1, "I8": 1, "F8_E5M2": 1, "F8_E4M3": 1, "I16": 2, "U16": 2, "F16": 2,
        "BF16": 2, "I32": 4, "U32": 4, "F32": 4, "F64": 8, "I64": 8, "U64": 8,
    ]

    /// File name used in error messages.
    public let file: String
    /// Tensor entries by name.
    public let entries: [String: Entry]
    /// `__metadata__` (empty when absent).
    public let metadata: [String: String]
    /// The whole file.
    let bytes: [UInt8]
    /// Offset of the data section in `bytes`.
    let dataStart: Int

    /// Parses and validates the container in `bytes`: header length, header JSON, every
    /// entry's dtype, shape and offsets (inside the data section, matching the byte count,
    /// not overlapping). Throws `WeightsError`.
    public init(bytes: [UInt8], file: String) throws {
        func fail(_ p: WeightsError.Problem) -> WeightsError { WeightsError(file: file, problem: p) }
        guard bytes.count >= 8 else { throw fail(.fileTooSmall(bytes: bytes.count)) }
        var n: UInt64 = 0
        for i in 0..<8 { n |= UInt64(bytes[i]) << (8 * UInt64(i)) }
        guard n >= 2, n <= UInt64(bytes.count - 8), n <= UInt64(Self.maxHeaderBytes) else {
            throw fail(.headerLength(found: n, fileSize: bytes.count))
        }
        let headerEnd = 8 + Int(n)
        let json: Any
        do {
            json = try JSONSerialization.jsonObject(with: Data(bytes[8..<headerEnd]), options: [])
        } catch {
            throw fail(.headerNotJSON(reason: "\(error.localizedDescription)"))
        }
        guard let object = json as? [String: Any] else { throw fail(.headerNotJSON(reason: "top level is not an object")) }
        let dataSize = bytes.count - headerEnd

        var metadata: [String: String] = [:]
        var entries: [String: Entry] = [:]
        for (name, value) in object {
            if name == "__metadata__" {
                guard let dict = value as? [String: Any] else {
                    throw fail(.headerNotJSON(reason: "__metadata__ is not an object"))
                }
                for (k, v) in dict {
                    guard let s = v as? String else {
                        throw fail(.invalidMetadata(key: k, found: "\(v)", expected: "a JSON string (safetensors metadata is string → string)"))
                    }
                    metadata[k] = s
                }
                continue
            }
            guard let dict = value as? [String: Any] else { throw fail(.malformedEntry(tensor: name, reason: "entry is not an object")) }
            guard let dtype = dict["dtype"] as? String else { throw fail(.malformedEntry(tensor: name, reason: "dtype missing or not a string")) }
            guard let elementSize = Self.dtypeSizes[dtype] else { throw fail(.unsupportedDtype(tensor: name, found: dtype)) }
            guard let shape = Self.integers(dict["shape"]), shape.allSatisfy({ $0 >= 0 }) else {
                throw fail(.malformedEntry(tensor: name, reason: "shape missing or not an array of non-negative integers"))
            }
            guard let offsets = Self.integers(dict["data_offsets"]), offsets.count == 2 else {
                throw fail(.malformedEntry(tensor: name, reason: "data_offsets missing or not two integers"))
            }
            let (begin, end) = (offsets[0], offsets[1])
            guard begin >= 0, end >= begin, end <= dataSize else {
                throw fail(.offsetsOutOfBounds(tensor: name, begin: begin, end: end, dataSize: dataSize))
            }
            var expected = elementSize
            for d in shape {
                let (p, overflow) = expected.multipliedReportingOverflow(by: d)
                guard !overflow else { throw fail(.malformedEntry(tensor: name, reason: "shape element count overflows")) }
                expected = p
            }
            guard end - begin == expected else { throw fail(.byteCountMismatch(tensor: name, found: end - begin, expected: expected)) }
            entries[name] = Entry(dtype: dtype, shape: shape, begin: begin, end: end)
        }
        // Overlap check: sort by start; each non-empty range must begin at or after the previous end.
        let sorted = entries.filter { $0.value.end > $0.value.begin }.sorted {
            ($0.value.begin, $0.key) < ($1.value.begin, $1.key)
        }
        for (a, b) in zip(sorted, sorted.dropFirst()) where b.value.begin < a.value.end {
            throw fail(.overlap(tensor: b.key, other: a.key))
        }
        self.file = file
        self.entries = entries
        self.metadata = metadata
        self.bytes = bytes
        dataStart = headerEnd
    }

    /// Reads the file in one read and parses it.
    public init(contentsOf url: URL) throws {
        let name = url.isFileURL ? url.relativePath : url.absoluteString
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw WeightsError(file: name, problem: .unreadable(reason: error.localizedDescription))
        }
        try self.init(bytes: [UInt8](data), file: name)
    }

    /// JSON array of integers (JSONSerialization yields NSNumber; reject fractions). On Linux
    /// a JSON `true` is indistinguishable from 1 here, which is harmless.
    private static func integers(_ value: Any?) -> [Int]? {
        guard let array = value as? [Any] else { return nil }
        var out: [Int] = []
        out.reserveCapacity(array.count)
        for v in array {
            guard let number = v as? NSNumber else { return nil }
            let d = number.doubleValue
            guard d.rounded() == d, abs(d) < 9.0e15 else { return nil }
            out.append(number.intValue)
        }
        return out
    }

    /// The tensor `name` as float32, checked against `expectedShape` (F16 is widened here,
    /// once, at load). Throws `WeightsError` when missing, of another dtype or shape, or
    /// holding non-finite values.
    public func floats(_ name: String, shape expectedShape: [Int]) throws -> [Float] {
        func fail(_ p: WeightsError.Problem) -> WeightsError { WeightsError(file: file, problem: p) }
        guard let e = entries[name] else { throw fail(.missingTensor(tensor: name, expectedShape: expectedShape)) }
        guard e.shape == expectedShape else { throw fail(.shapeMismatch(tensor: name, found: e.shape, expected: expectedShape)) }
        let count = expectedShape.reduce(1, *)
        var out = [Float](repeating: 0, count: count)
        bytes.withUnsafeBytes { raw in
            let base = raw.baseAddress! + dataStart + e.begin
            switch e.dtype {
            case "F32":
                for i in 0..<count { out[i] = Float(bitPattern: UInt32(littleEndian: base.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self))) }
            case "F16":
                for i in 0..<count { out[i] = Float(Float16(bitPattern: UInt16(littleEndian: base.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self)))) }
            default:
                break
            }
        }
        guard e.dtype == "F32" || e.dtype == "F16" else { throw fail(.unsupportedDtype(tensor: name, found: e.dtype)) }
        if let bad = out.firstIndex(where: { !$0.isFinite }) { throw fail(.nonFinite(tensor: name, index: bad)) }
        return out
    }

    /// The raw bytes of a U8 tensor `name` (e.g. an image in a golden file).
    public func uint8s(_ name: String) throws -> [UInt8] {
        guard let e = entries[name] else { throw WeightsError(file: file, problem: .missingTensor(tensor: name, expectedShape: [])) }
        guard e.dtype == "U8" else { throw WeightsError(file: file, problem: .unsupportedDtype(tensor: name, found: e.dtype)) }
        return Array(bytes[(dataStart + e.begin)..<(dataStart + e.end)])
    }
}
