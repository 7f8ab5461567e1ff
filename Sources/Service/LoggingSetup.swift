import Foundation
import Logging

/// Process-wide logging: plain text (swift-log's stream handler) or JSON lines.
public enum LoggingSetup {
    /// Bootstraps swift-log once; `format` is "text" or "json".
    public static func bootstrap(format: String, level: String) {
        let level = Logger.Level(rawValue: level) ?? .info
        LoggingSystem.bootstrap { label in
            var handler: any LogHandler = format == "json"
                ? JSONLogHandler(label: label) : StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
    }
}

/// Writes one JSON object per line to standard error: ts, level, label, message, and metadata.
public struct JSONLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level = .info
    let label: String
    private let write: @Sendable (String) -> Void

    public init(label: String, write: @escaping @Sendable (String) -> Void = { line in
        FileHandle.standardError.write(Data(line.utf8))
    }) {
        self.label = label
        self.write = write
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var w = JSONWriter()
        w.beginObject()
        w.field("ts", Date().formatted(.iso8601))
        w.field("level", event.level.rawValue)
        w.field("label", label)
        w.field("message", event.message.description)
        let merged = metadata.merging(event.metadata ?? [:]) { _, new in new }
        for (key, value) in merged.sorted(by: { $0.key < $1.key }) { w.field(key, value.description) }
        w.endObject()
        write(w.text + "\n")
    }
}
