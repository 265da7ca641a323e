/// A `Timeout` used in a state that does not allow it: asyncio's `RuntimeError` from
/// `Timeout.reschedule` ("Cannot change state of expired Timeout").
public struct TimeoutUsageError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What was wrong.
    public var message: String

    /// An error saying `message`.
    public init(_ message: String) { self.message = message }

    /// The message.
    public var description: String { message }
}
