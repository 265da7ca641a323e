/// `putNowait` found no free slot: asyncio's `QueueFull`.
public struct QueueFull: Error, Sendable, Equatable, CustomStringConvertible {
    /// The error `putNowait` throws on a full queue that is not shut down.
    public init() {}

    public var description: String { "QueueFull" }
}
