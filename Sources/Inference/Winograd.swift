/// Winograd-domain weights (filled in later).
struct WinogradWeights: @unchecked Sendable {
    init?(layer: [Float], outChannels: Int, inChannels: Int, kernel: Int) { return nil }
    func applies(height: Int, width: Int) -> Bool { false }
    func forward(layer: ConvLayer, input: UnsafePointer<Float>, height: Int, width: Int,
                 output: UnsafeMutablePointer<Float>, epilogue: ConvEpilogue,
                 workers: Int, scratch: [WorkerScratch]) {}
}
