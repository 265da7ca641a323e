/// asyncio's `ValueError` for invalid argument combinations of the loop's connection and
/// server methods ("host/port and sock can not be specified at the same time").
public struct InvalidArgumentError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What is wrong with the arguments.
    public var message: String

    /// An error saying `message`.
    public init(_ message: String) { self.message = message }

    /// The message, as asyncio's `ValueError` says it.
    public var description: String { message }
}
