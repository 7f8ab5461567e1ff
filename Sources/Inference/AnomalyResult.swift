/// Wall time of one stage of a `predict` call.
public struct StageTiming: Sendable, Equatable {
    /// e.g. "teacher.conv2", "student.cbam1", "map".
    public let stage: String
    public let seconds: Double
}

/// The outcome of one `predict` call.
public struct AnomalyResult: Sendable {
    /// Max of the final map; compare with `ModelMetadata.threshold`.
    public let score: Float
    /// Final blurred map, row-major, `mapHeight` × `mapWidth` (the input size).
    public let map: [Float]
    public let mapWidth: Int
    public let mapHeight: Int
    /// Per-layer / per-stage wall times, in execution order.
    public let timings: [StageTiming]
}
