/// When `EventLoop.wait(_:timeout:returnWhen:)` returns: asyncio's `FIRST_COMPLETED`,
/// `FIRST_EXCEPTION` and `ALL_COMPLETED`.
public enum ReturnWhen: Sendable, Hashable {
    /// As soon as any task finishes (asyncio's `FIRST_COMPLETED`).
    case firstCompleted
    /// As soon as any task ends by throwing an error other than `CancellationError`, or
    /// when all have finished (asyncio's `FIRST_EXCEPTION`; a cancelled task does not
    /// count as an exception).
    case firstException
    /// When every task has finished (asyncio's `ALL_COMPLETED`, the default).
    case allCompleted
}
