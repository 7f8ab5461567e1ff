/// What happens to a convolution's output before it is stored.
enum ConvEpilogue: Sendable {
    /// bias only
    case bias
    /// bias, then ReLU
    case biasReLU
    /// bias, ReLU, then AvgPool2d(2, 2) in floor mode (the pre-pool tensor is never stored)
    case biasReLUPool
}

/// A stride-1, unpadded 2-D convolution with bias, weights packed once at load.
///
/// PyTorch's `[O, I, KH, KW]` weight, read row-major, is already the `[O, I·KH·KW]` matrix that
/// multiplies an im2col matrix whose rows are ordered `(c, i, j)`, so the GEMM path keeps it.
struct ConvLayer: @unchecked Sendable {
    let name: String
    let inChannels: Int
    let outChannels: Int
    let kernel: Int
    /// `[O, I·K·K]` row-major
    let weights: AlignedStorage
    /// `[O]`
    let bias: AlignedStorage
    /// Winograd-transformed weights when this layer uses the Winograd path.
    let winograd: WinogradWeights?

    init(name: String, inChannels: Int, outChannels: Int, kernel: Int, weights: [Float], bias: [Float], useWinograd: Bool = true) {
        precondition(weights.count == outChannels * inChannels * kernel * kernel)
        precondition(bias.count == outChannels)
        ComputeBudget.singleThreadedBLAS
        self.name = name
        self.inChannels = inChannels
        self.outChannels = outChannels
        self.kernel = kernel
        self.weights = AlignedStorage(from: weights)
        self.bias = AlignedStorage(from: bias)
        winograd = useWinograd ? WinogradWeights(layer: weights, outChannels: outChannels, inChannels: inChannels, kernel: kernel) : nil
    }

    /// Output size for an input of `h`×`w`.
    func outputSize(height h: Int, width w: Int, epilogue: ConvEpilogue) -> (height: Int, width: Int) {
        let ho = h - kernel + 1, wo = w - kernel + 1
        if case .biasReLUPool = epilogue { return (ho / 2, wo / 2) }
        return (ho, wo)
    }

    /// Multiply-accumulates of one call at `h`×`w` (for GFLOP/s reports).
    func macs(height h: Int, width w: Int) -> Int {
        (h - kernel + 1) * (w - kernel + 1) * outChannels * inChannels * kernel * kernel
    }
}
