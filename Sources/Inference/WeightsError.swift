/// Why a weights file was rejected. `description` is one line naming the file, the tensor or
/// metadata key, what was found and what was expected.
public struct WeightsError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The problem, machine-readable.
    public enum Problem: Sendable, Equatable {
        /// The file could not be read (`reason` from the OS).
        case unreadable(reason: String)
        /// Fewer than the 8 bytes of the header length.
        case fileTooSmall(bytes: Int)
        /// The header length does not fit in the file (or exceeds the parser's limit).
        case headerLength(found: UInt64, fileSize: Int)
        /// The header is not valid UTF-8 JSON or not a JSON object.
        case headerNotJSON(reason: String)
        /// A tensor entry lacks `dtype`/`shape`/`data_offsets` or has ill-typed values.
        case malformedEntry(tensor: String, reason: String)
        /// A dtype other than F32/F16 on a tensor the model needs.
        case unsupportedDtype(tensor: String, found: String)
        /// A tensor the architecture needs is absent.
        case missingTensor(tensor: String, expectedShape: [Int])
        /// A tensor has the wrong shape.
        case shapeMismatch(tensor: String, found: [Int], expected: [Int])
        /// `data_offsets` lie outside the data section or are reversed.
        case offsetsOutOfBounds(tensor: String, begin: Int, end: Int, dataSize: Int)
        /// `end − begin` disagrees with shape × dtype size.
        case byteCountMismatch(tensor: String, found: Int, expected: Int)
        /// Two tensors' byte ranges overlap.
        case overlap(tensor: String, other: String)
        /// A required `__metadata__` key is absent.
        case missingMetadata(key: String)
        /// A metadata value does not parse or is out of range.
        case invalidMetadata(key: String, found: String, expected: String)
        /// A tensor holds NaN or infinity.
        case nonFinite(tensor: String, index: Int)
    }

    /// The file as given to the loader.
    public let file: String
    /// What is wrong.
    public let problem: Problem

    public init(file: String, problem: Problem) {
        self.file = file
        self.problem = problem
    }

    public var description: String {
        func shape(_ s: [Int]) -> String { "[" + s.map(String.init).joined(separator: ",") + "]" }
        let what: String
        switch problem {
        case .unreadable(let reason):
            what = "cannot read file: \(reason)"
        case .fileTooSmall(let bytes):
            what = "file has \(bytes) bytes, expected at least 8 (u64 header length) plus a JSON header"
        case .headerLength(let found, let size):
            what = "header length \(found) does not fit: file has \(size) bytes, expected at most \(max(0, size - 8)) (and ≤ \(Safetensors.maxHeaderBytes))"
        case .headerNotJSON(let reason):
            what = "header is not a JSON object: \(reason)"
        case .malformedEntry(let t, let reason):
            what = "tensor \(t) has a malformed header entry: \(reason); expected {\"dtype\",\"shape\",\"data_offsets\"}"
        case .unsupportedDtype(let t, let found):
            what = "tensor \(t) has dtype \(found), expected F32 or F16"
        case .missingTensor(let t, let s):
            what = "tensor \(t) is missing, expected shape \(shape(s))"
        case .shapeMismatch(let t, let found, let expected):
            what = "tensor \(t) has shape \(shape(found)), expected \(shape(expected))"
        case .offsetsOutOfBounds(let t, let b, let e, let size):
            what = "tensor \(t) has data_offsets [\(b),\(e)], expected 0 ≤ begin ≤ end ≤ \(size) (data section size)"
        case .byteCountMismatch(let t, let found, let expected):
            what = "tensor \(t) spans \(found) bytes, expected \(expected) (shape × dtype size)"
        case .overlap(let t, let other):
            what = "tensor \(t) overlaps tensor \(other) in the data section, expected disjoint byte ranges"
        case .missingMetadata(let key):
            what = "__metadata__ key \(key) is missing"
        case .invalidMetadata(let key, let found, let expected):
            what = "__metadata__ key \(key) is \"\(found)\", expected \(expected)"
        case .nonFinite(let t, let index):
            what = "tensor \(t) has a non-finite value at element \(index), expected finite weights"
        }
        return "\(file): \(what)"
    }
}

/// Why a `predict` call was refused.
public enum InferenceError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The input array does not hold 3 × height × width floats.
    case badInputShape(expected: Int, found: Int)
    /// The input is smaller than the network's receptive field allows.
    case inputTooSmall(height: Int, width: Int, minimum: Int)
    /// The input holds NaN or infinity.
    case nonFiniteInput(index: Int)

    public var description: String {
        switch self {
        case .badInputShape(let e, let f): return "input has \(f) floats, expected \(e) (3 × height × width, CHW)"
        case .inputTooSmall(let h, let w, let m): return "input is \(h)×\(w), expected at least \(m)×\(m)"
        case .nonFiniteInput(let i): return "input has a non-finite value at element \(i)"
        }
    }
}
