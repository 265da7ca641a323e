/// An operation that the object's state does not allow, asyncio's `InvalidStateError`:
/// a second result on a future, the result of a future that is not done.
public struct InvalidStateError: Error, Sendable, CustomStringConvertible {
    /// What was wrong.
    public var message: String

    /// An error saying `message`.
    public init(_ message: String) { self.message = message }

    /// The message, as asyncio's `InvalidStateError` prints it.
    public var description: String { message }
}
