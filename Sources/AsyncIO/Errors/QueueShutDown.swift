/// A put on a shut-down queue, or a get from one that is shut down and empty (or was shut
/// down with `immediate: true`): asyncio 3.13's `QueueShutDown`.
public struct QueueShutDown: Error, Sendable, Equatable, CustomStringConvertible {
    /// The error `put`, `putNowait`, `get` and `getNowait` throw after `shutdown`.
    public init() {}

    /// "QueueShutDown": the error's name, which is all asyncio's exception says.
    public var description: String { "QueueShutDown" }
}
