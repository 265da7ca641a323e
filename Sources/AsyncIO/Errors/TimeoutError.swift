/// A deadline passed: asyncio's `TimeoutError`, thrown by `withTimeout`.
public struct TimeoutError: Error, Sendable, CustomStringConvertible {
    /// The error `withTimeout` throws.
    public init() {}

    /// "timed out".
    public var description: String { "timed out" }
}
