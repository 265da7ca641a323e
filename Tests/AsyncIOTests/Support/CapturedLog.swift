import Logging

/// A swift-log handler that keeps what was logged, for tests that check warnings.
final class CapturedLog: @unchecked Sendable {
    struct Entry { var level: Logger.Level; var message: String }
    private let store = Locked([Entry]())

    var entries: [Entry] { store.current }

    var logger: Logger {
        Logger(label: "test") { _ in Handler(store: self.store) }
    }

    private struct Handler: LogHandler {
        let store: Locked<[Entry]>
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace
        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }
        func log(event: LogEvent) {
            store.withLock { $0.append(Entry(level: event.level, message: "\(event.message)")) }
        }
    }
}
