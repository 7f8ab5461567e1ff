import Foundation

/// A 64-byte aligned, heap-allocated float32 buffer. Aligned so that AVX loads and OpenBLAS
/// packing never straddle cache lines at the start of a plane.
final class AlignedStorage: @unchecked Sendable {
    let pointer: UnsafeMutablePointer<Float>
    let count: Int

    init(count: Int) {
        self.count = count
        var raw: UnsafeMutableRawPointer?
        let bytes = max(1, count) * MemoryLayout<Float>.stride
        guard posix_memalign(&raw, 64, bytes) == 0, let raw else {
            fatalError("posix_memalign of \(bytes) bytes failed")
        }
        pointer = raw.bindMemory(to: Float.self, capacity: max(1, count))
        pointer.initialize(repeating: 0, count: max(1, count))
    }

    /// A copy of `values`.
    convenience init(from values: [Float]) {
        self.init(count: values.count)
        values.withUnsafeBufferPointer { pointer.update(from: $0.baseAddress!, count: values.count) }
    }

    deinit { free(pointer) }
}

/// A row-major float32 tensor in CHW layout (batch 1), backed by aligned storage.
///
/// Value semantics are *not* copy-on-write: copies share storage. The engine uses tensors as
/// owned scratch buffers; call `copy()` for an independent tensor.
public struct Tensor: @unchecked Sendable {
    /// Number of channels (C).
    public let channels: Int
    /// Height (H).
    public let height: Int
    /// Width (W).
    public let width: Int
    let storage: AlignedStorage

    /// A zero-filled tensor of shape C×H×W.
    public init(channels: Int, height: Int, width: Int) {
        precondition(channels >= 0 && height >= 0 && width >= 0, "negative tensor dimension")
        self.channels = channels
        self.height = height
        self.width = width
        storage = AlignedStorage(count: channels * height * width)
    }

    /// A tensor of shape C×H×W holding `values` (row-major CHW; count must match).
    public init(channels: Int, height: Int, width: Int, values: [Float]) {
        self.init(channels: channels, height: height, width: width)
        precondition(values.count == count, "tensor of \(channels)×\(height)×\(width) needs \(count) values, got \(values.count)")
        values.withUnsafeBufferPointer { storage.pointer.update(from: $0.baseAddress!, count: count) }
    }

    /// Total element count C·H·W.
    public var count: Int { channels * height * width }
    /// Elements per channel plane, H·W.
    public var planeSize: Int { height * width }
    /// Base pointer of the CHW data.
    public var pointer: UnsafeMutablePointer<Float> { storage.pointer }
    /// Shape as `[C, H, W]`.
    public var shape: [Int] { [channels, height, width] }

    /// Element at channel `c`, row `y`, column `x`.
    public subscript(c: Int, y: Int, x: Int) -> Float {
        get { storage.pointer[(c * height + y) * width + x] }
        nonmutating set { storage.pointer[(c * height + y) * width + x] = newValue }
    }

    /// The elements as a Swift array (row-major CHW).
    public func toArray() -> [Float] {
        Array(UnsafeBufferPointer(start: storage.pointer, count: count))
    }

    /// An independent copy.
    public func copy() -> Tensor {
        let t = Tensor(channels: channels, height: height, width: width)
        t.pointer.update(from: pointer, count: count)
        return t
    }
}
