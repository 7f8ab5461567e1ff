@testable import Inference

/// The whole HKT / HKT+ forward pass written with the plain-loop reference kernels, straight
/// from docs/MODEL-SPEC.md, yielding the same intermediate names as `AnomalyModel.intermediates`.
enum ReferencePipeline {
    static func run(arch name: String, tensors: [String: [Float]], metadata: ModelMetadata,
                    input: Tensor) -> [String: [Float]] {
        let arch = Architecture(name: name)!
        var out: [String: [Float]] = [:]
        func net(_ prefix: String, cbam: Bool) -> [Tensor] {
            var x = input
            var stages: [Tensor] = []
            for (s, stage) in arch.stages.enumerated() {
                for conv in stage {
                    let relu: Bool
                    if case .bias = conv.epilogue { relu = false } else { relu = true }
                    x = Reference.conv2d(x, weight: tensors["\(prefix).\(conv.name).weight"]!, bias: tensors["\(prefix).\(conv.name).bias"]!,
                                         outChannels: conv.outChannels, kernel: conv.kernel, relu: relu)
                    if case .biasReLUPool = conv.epilogue { x = Reference.avgPool2(x) }
                    if stage.count > 1 { out["\(prefix).\(conv.name)"] = x.toArray() }
                }
                if cbam && s < 3 {
                    out["s\(s + 1)_conv"] = x.toArray()
                    x = Reference.cbam(x, mlp1: tensors["student.cbam\(s + 1).mlp1.weight"]!,
                                       mlp2: tensors["student.cbam\(s + 1).mlp2.weight"]!,
                                       spatial: tensors["student.cbam\(s + 1).spatial.weight"]!)
                }
                out["\(prefix == "teacher" ? "t" : "s")\(s + 1)"] = x.toArray()
                stages.append(x)
            }
            return stages
        }
        let t = net("teacher", cbam: false)
        let s = net("student", cbam: true)
        let t4 = t[3].copy()
        let mean = tensors["teacher_mean"]!, std = tensors["teacher_std"]!
        for c in 0..<t4.channels {
            for i in 0..<t4.planeSize { t4.pointer[c * t4.planeSize + i] = (t4.pointer[c * t4.planeSize + i] - mean[c]) / std[c] }
        }
        out["t_norm"] = t4.toArray()
        var maps: [[Float]] = []
        for i in 0..<3 {
            // Spec order: project at the stage's own size, then resize (the engine samples first).
            let p = Reference.conv2d(s[i], weight: tensors["proj.\(i + 1).weight"]!, bias: tensors["proj.\(i + 1).bias"]!,
                                     outChannels: arch.outChannels, kernel: 1)
            let pn = Reference.nearest(p, height: t4.height, width: t4.width)
            out["p\(i + 1)"] = pn.toArray()
            maps.append(Reference.channelMeanSquaredDifference(t4, pn))
        }
        maps.append(Reference.channelMeanSquaredDifference(t4, s[3]))
        for (i, m) in maps.enumerated() { out["m\(i + 1)"] = m }
        let w = metadata.fusionWeights
        let fused = (0..<maps[0].count).map { p in (0..<4).reduce(Float(0)) { $0 + w[$1] * maps[$1][p] } }
        out["fused"] = fused
        let normalized = fused.map { 0.1 * ($0 - metadata.mapQLow) / (metadata.mapQHigh - metadata.mapQLow) }
        out["normalised"] = normalized
        let padded = Reference.pad(normalized, height: t4.height, width: t4.width, by: 4)
        out["padded"] = padded
        let resized = Reference.bilinear(padded, height: t4.height + 8, width: t4.width + 8, toHeight: input.height, width: input.width)
        out["resized"] = resized
        let blurred = Reference.gaussianBlur(resized, height: input.height, width: input.width, sigma: 4, kernelSize: 33)
        out["map"] = blurred
        out["score"] = [blurred.max()!]
        return out
    }
}
