/// `putNowait` found no free slot: asyncio's `QueueFull`.
public struct QueueFull: Error, Sendable, Equatable, CustomStringConvertible {
    /// The error `putNowait` throws on a full queue that is not shut down.
    public init() {}

    /// "QueueFull": the error's name, which is all asyncio's exception says.
    public var description: String { "QueueFull" }
}
