import Foundation

extension AnomalyModel {
    /// The forward pass. Intermediate names passed to `record` are those of the golden files
    /// (training/make_goldens.py, without the `small.` prefix), all CHW float32:
    /// `t1`…`t4` (teacher stage outputs, t4 before normalisation), `t_norm`, `s{i}_conv`
    /// (student stage i before CBAM), `s{i}_cbam_channel`, `s{i}` (CBAM output S_i), `p{i}`
    /// (projector output at t4's grid), `s4`, `m1`…`m4`, `fused`, `normalised`, `map` (final);
    /// plus engine-only `padded`, `resized`, and `teacher.conv{k}` / `student.conv{k}` for each
    /// conv of a two-conv stage.
    func forward(_ input: UnsafePointer<Float>, workspace ws: Workspace,
                 record: ((String, UnsafePointer<Float>, Int) -> Void)?) -> AnomalyResult {
        let h = ws.height, w = ws.width
        let workers = ws.scratch.count
        var timings: [StageTiming] = []
        timings.reserveCapacity(32)
        var clock = DispatchTime.now().uptimeNanoseconds
        func lap(_ stage: String) {
            let now = DispatchTime.now().uptimeNanoseconds
            timings.append(StageTiming(stage: stage, seconds: Double(now - clock) * 1e-9))
            clock = now
        }
        func share() -> Int { min(workers, budget.currentShare()) }
        if ws.stageSizes.isEmpty { ws.stageSizes = architecture.stageSizes(height: h, width: w)! }
        let sizes = ws.stageSizes
        let arch = architecture

        // Stage 1 of both networks: one GEMM over the shared im2col of the image.
        let c1 = arch.stageChannels[0]
        let pair = ws.tensor("pair1", channels: 2 * c1, height: sizes[0].height, width: sizes[0].width)
        firstPair.forward(input: input, height: h, width: w, output: pair.pointer, epilogue: .biasReLUPool,
                          workers: share(), scratch: ws.scratch)
        lap("teacher+student.conv1")
        let plane1 = sizes[0].height * sizes[0].width
        let t1 = pair.pointer, s1 = pair.pointer + c1 * plane1
        record?("t1", t1, c1 * plane1)

        // Runs the convs of `stage` (≥ 2) of `net` from `x`, returning the last output.
        func runStage(_ layers: [ConvLayer], _ specs: [Architecture.Conv],
                      from x: UnsafePointer<Float>, height ih: Int, width iw: Int) -> (UnsafeMutablePointer<Float>, Int, Int) {
            var cur = x, ch = ih, cw = iw
            var last: UnsafeMutablePointer<Float>!
            for (layer, spec) in zip(layers, specs) {
                let (oh, ow) = layer.outputSize(height: ch, width: cw, epilogue: spec.epilogue)
                let out = ws.tensor(layer.name, channels: layer.outChannels, height: oh, width: ow)
                layer.forward(input: cur, height: ch, width: cw, output: out.pointer, epilogue: spec.epilogue,
                              workers: share(), scratch: ws.scratch)
                lap(layer.name)
                if specs.count > 1 { record?(layer.name, out.pointer, out.count) }
                cur = UnsafePointer(out.pointer); ch = oh; cw = ow
                last = out.pointer
            }
            return (last, ch, cw)
        }

        // Teacher stages 2…4.
        var t = UnsafePointer(t1), (th, tw) = sizes[0]
        for stage in 1..<4 {
            let (out, oh, ow) = runStage(teacher[stage], arch.stages[stage], from: t, height: th, width: tw)
            record?(Self.names.teacher[stage], out, arch.stageChannels[stage] * oh * ow)
            t = UnsafePointer(out); th = oh; tw = ow
        }
        let t4 = UnsafeMutablePointer(mutating: t)
        let plane4 = th * tw, c4 = arch.outChannels
        Kernels.normalizeChannels(t4, channels: c4, plane: plane4, mean: teacherMean.pointer, std: teacherStd.pointer)
        record?("t_norm", t4, c4 * plane4)
        lap("t_norm")

        // Student: CBAM after stages 1–3; each S_i is sampled to the teacher's size, projected
        // (nearest commutes with a 1×1 conv, so sample first) and compared with T.
        let miscCount = 6 * plane4 + (th + 8) * (tw + 8) + (th + 8) * w + h * w
            + GaussianBlur.anomalyMap.scratchCount(height: h, width: w)
        let cbamScratch = ws.cbam.pointer(count: (0..<3).reduce(0) { max($0, cbam[$1].scratchCount(height: sizes[$1].height, width: sizes[$1].width)) })
        let misc = ws.misc.pointer(count: miscCount)
        let maps = misc  // 4 planes of plane4: M1..M4
        var s = s1, (sh, sw) = sizes[0]
        for stage in 0..<4 {
            if stage > 0 {
                let (out, oh, ow) = runStage(student[stage], arch.stages[stage], from: s, height: sh, width: sw)
                s = out; sh = oh; sw = ow
            }
            let cs = arch.stageChannels[stage]
            if stage < 3 {
                record?(Self.names.studentConv[stage], s, cs * sh * sw)
                cbam[stage].apply(s, height: sh, width: sw, scratch: cbamScratch,
                                  afterChannel: record.map { r in { r(Self.names.studentChannel[stage], $0, cs * sh * sw) } })
                lap(Self.names.cbamStage[stage])
                record?(Self.names.student[stage], s, cs * sh * sw)
                let sampled = ws.tensor(Self.names.sampled[stage], channels: cs, height: th, width: tw)
                Kernels.nearest(s, channels: cs, height: sh, width: sw, toHeight: th, width: tw, into: sampled.pointer)
                let p = ws.tensor("proj", channels: c4, height: th, width: tw)
                projectors[stage].forward(input: sampled.pointer, height: th, width: tw, output: p.pointer,
                                          epilogue: .bias, workers: share(), scratch: ws.scratch)
                record?(Self.names.projector[stage], p.pointer, p.count)
                Kernels.channelMeanSquaredDifference(t4, p.pointer, channels: c4, plane: plane4, into: maps + stage * plane4)
                lap(Self.names.projectorStage[stage])
            } else {
                record?("s4", s, cs * sh * sw)
                Kernels.channelMeanSquaredDifference(t4, s, channels: c4, plane: plane4, into: maps + 3 * plane4)
                lap("map.m4")
            }
            record?(Self.names.map[stage], maps + stage * plane4, plane4)
        }

        // Fusion, quantile normalisation, pad 4, bilinear to the input size, blur, max.
        let fused = misc + 4 * plane4
        let wts = metadata.fusionWeights
        for i in 0..<plane4 {
            fused[i] = wts[0] * maps[i] + wts[1] * maps[plane4 + i] + wts[2] * maps[2 * plane4 + i] + wts[3] * maps[3 * plane4 + i]
        }
        record?("fused", fused, plane4)
        let normalized = fused + plane4
        let scale = 0.1 / (metadata.mapQHigh - metadata.mapQLow), low = metadata.mapQLow
        for i in 0..<plane4 { normalized[i] = (fused[i] - low) * scale }
        record?("normalised", normalized, plane4)
        let ph = th + 8, pw = tw + 8
        let padded = normalized + plane4
        Kernels.pad(normalized, height: th, width: tw, by: 4, into: padded)
        record?("padded", padded, ph * pw)
        let rows = padded + ph * pw
        let resized = rows + ph * w
        Kernels.bilinear(padded, height: ph, width: pw, toHeight: h, width: w, rowScratch: rows, into: resized)
        record?("resized", resized, h * w)
        let blurScratch = resized + h * w
        var result = [Float](repeating: 0, count: h * w)
        result.withUnsafeMutableBufferPointer { out in
            GaussianBlur.anomalyMap.apply(resized, height: h, width: w, scratch: blurScratch, into: out.baseAddress!)
        }
        let score = result.max() ?? 0
        lap("map")
        result.withUnsafeBufferPointer { record?("map", $0.baseAddress!, h * w) }
        return AnomalyResult(score: score, map: result, mapWidth: w, mapHeight: h, timings: timings)
    }

    /// Precomputed names, so the hot path builds no strings.
    static let names = (
        teacher: ["t1", "t2", "t3", "t4"], student: ["s1", "s2", "s3"], studentConv: ["s1_conv", "s2_conv", "s3_conv"],
        studentChannel: ["s1_cbam_channel", "s2_cbam_channel", "s3_cbam_channel"],
        cbamStage: ["student.cbam1", "student.cbam2", "student.cbam3"], projector: ["p1", "p2", "p3"], sampled: ["sampled1", "sampled2", "sampled3"],
        projectorStage: ["proj.1+m1", "proj.2+m2", "proj.3+m3"], map: ["m1", "m2", "m3", "m4"])
}
