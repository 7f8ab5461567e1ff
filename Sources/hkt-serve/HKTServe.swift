import ArgumentParser
import Foundation

/// `hkt-serve`: serve HKT / HKT+ anomaly detection over HTTP, or run it offline.
@main
struct HKTServe: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hkt-serve",
        abstract: "HTTP inference service for visual anomaly detection (HKT / HKT+ teacher–student networks).",
        subcommands: [Serve.self, Predict.self, Inspect.self, Bench.self],
        defaultSubcommand: Serve.self)
}
