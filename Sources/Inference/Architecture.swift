/// The layer structure of HKT (PDN-small) and HKT+ (PDN-medium), docs/MODEL-SPEC.md.
struct Architecture: Sendable {
    struct Conv: Sendable {
        /// `conv{k}` as in the state_dict.
        let name: String
        let inChannels: Int
        let outChannels: Int
        let kernel: Int
        let epilogue: ConvEpilogue
    }

    let name: String
    /// Convs of stages 1…4, in order.
    let stages: [[Conv]]

    static let names = ["hkt", "hkt+"]

    init?(name: String) {
        func conv(_ k: Int, _ i: Int, _ o: Int, _ kernel: Int, _ e: ConvEpilogue) -> Conv {
            Conv(name: "conv\(k)", inChannels: i, outChannels: o, kernel: kernel, epilogue: e)
        }
        switch name {
        case "hkt":
            stages = [[conv(1, 3, 128, 4, .biasReLUPool)], [conv(2, 128, 256, 4, .biasReLUPool)],
                      [conv(3, 256, 256, 3, .biasReLU)], [conv(4, 256, 384, 4, .bias)]]
        case "hkt+":
            stages = [[conv(1, 3, 256, 4, .biasReLUPool)], [conv(2, 256, 512, 4, .biasReLUPool)],
                      [conv(3, 512, 512, 1, .biasReLU), conv(4, 512, 512, 3, .biasReLU)],
                      [conv(5, 512, 384, 4, .biasReLU), conv(6, 384, 384, 1, .bias)]]
        default:
            return nil
        }
        self.name = name
    }

    /// Output channels of stages 1…4.
    var stageChannels: [Int] { stages.map { $0.last!.outChannels } }
    /// Channels of the teacher's last stage (384).
    var outChannels: Int { stageChannels[3] }

    /// Spatial size after each stage for an h×w input (nil when it collapses).
    func stageSizes(height h: Int, width w: Int) -> [(height: Int, width: Int)]? {
        var (h, w) = (h, w)
        var out: [(Int, Int)] = []
        for stage in stages {
            for c in stage {
                h -= c.kernel - 1; w -= c.kernel - 1
                if case .biasReLUPool = c.epilogue { h /= 2; w /= 2 }
                guard h > 0 && w > 0 else { return nil }
            }
            out.append((h, w))
        }
        return out
    }

    /// Every tensor the model needs with its shape (teacher, student, CBAM, projectors, stats).
    var expectedTensors: [(name: String, shape: [Int])] {
        var t: [(String, [Int])] = []
        for net in ["teacher", "student"] {
            for stage in stages {
                for c in stage {
                    t.append(("\(net).\(c.name).weight", [c.outChannels, c.inChannels, c.kernel, c.kernel]))
                    t.append(("\(net).\(c.name).bias", [c.outChannels]))
                }
            }
        }
        for i in 1...3 {
            let c = stageChannels[i - 1]
            t.append(("student.cbam\(i).mlp1.weight", [c / 16, c, 1, 1]))
            t.append(("student.cbam\(i).mlp2.weight", [c, c / 16, 1, 1]))
            t.append(("student.cbam\(i).spatial.weight", [1, 2, 7, 7]))
        }
        for i in 1...3 {
            t.append(("proj.\(i).weight", [outChannels, stageChannels[i - 1], 1, 1]))
            t.append(("proj.\(i).bias", [outChannels]))
        }
        t.append(("teacher_mean", [outChannels]))
        t.append(("teacher_std", [outChannels]))
        return t
    }
}
