/// `LoopTaskGroup.createTask` called when the group takes no more tasks: asyncio's
/// `RuntimeError` from `TaskGroup.create_task`.
public enum TaskGroupUsageError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The group's body and tasks have all ended ("TaskGroup … is finished").
    case finished
    /// The group is cancelling its tasks after a failure or a cancellation ("TaskGroup …
    /// is shutting down").
    case shuttingDown

    /// asyncio's message, without the group's repr.
    public var description: String {
        switch self {
        case .finished: "TaskGroup is finished"
        case .shuttingDown: "TaskGroup is shutting down"
        }
    }
}
