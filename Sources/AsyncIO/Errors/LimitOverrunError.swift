/// The buffer limit was reached while looking for a separator: asyncio's
/// `LimitOverrunError`, thrown by `StreamReader.readUntil`. The data stays in the reader's
/// buffer, so it can be read again (with `read` or `readExactly`).
public struct LimitOverrunError: Error, Sendable, Equatable, CustomStringConvertible {
    /// asyncio's message: "Separator is not found, and chunk exceed the limit" or
    /// "Separator is found, but chunk is longer than limit".
    public var message: String
    /// How many bytes are to be consumed (asyncio's `consumed`).
    public var consumed: Int

    /// asyncio's `LimitOverrunError(message, consumed)`.
    public init(message: String, consumed: Int) {
        self.message = message
        self.consumed = consumed
    }

    /// The message, as asyncio's `str(error)`.
    public var description: String { message }
}
