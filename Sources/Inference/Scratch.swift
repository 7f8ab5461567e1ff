/// A growable aligned buffer owned by one worker of one workspace. It grows during the first
/// call(s) and is then reused, so steady-state inference allocates nothing here.
final class ScratchBuffer: @unchecked Sendable {
    private var storage = AlignedStorage(count: 0)

    /// A pointer to at least `count` floats (contents unspecified).
    func pointer(count: Int) -> UnsafeMutablePointer<Float> {
        if storage.count < count { storage = AlignedStorage(count: count) }
        return storage.pointer
    }
}

/// Two scratch buffers per worker (im2col/transform input and a chunk of conv output).
final class WorkerScratch: @unchecked Sendable {
    let columns = ScratchBuffer()
    let output = ScratchBuffer()
    let extra = ScratchBuffer()
}
