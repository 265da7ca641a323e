/// Misuse of a queue that asyncio reports as `ValueError`, with asyncio's message.
public enum QueueUsageError: Error, Sendable, Equatable, CustomStringConvertible {
    /// `taskDone()` called more times than items were put (asyncio's
    /// `ValueError('task_done() called too many times')`).
    case taskDoneCalledTooManyTimes

    /// asyncio's message for the same misuse.
    public var description: String {
        switch self {
        case .taskDoneCalledTooManyTimes: "task_done() called too many times"
        }
    }
}
