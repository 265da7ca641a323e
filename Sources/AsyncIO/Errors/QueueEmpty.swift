/// `getNowait` found the queue empty: asyncio's `QueueEmpty`.
public struct QueueEmpty: Error, Sendable, Equatable, CustomStringConvertible {
    /// The error `getNowait` throws on an empty queue that is not shut down.
    public init() {}

    /// "QueueEmpty": the error's name, which is all asyncio's exception says.
    public var description: String { "QueueEmpty" }
}
