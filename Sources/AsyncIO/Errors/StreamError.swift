/// Misuse of a stream that asyncio reports as `ValueError` or `RuntimeError`, with
/// asyncio's messages (see `description`).
public enum StreamError: Error, Sendable, Equatable, CustomStringConvertible {
    /// `StreamReader(limit:)` with a limit ≤ 0 (asyncio: `ValueError('Limit cannot be <= 0')`).
    case invalidLimit
    /// `readExactly` with a negative count (asyncio: `ValueError`).
    case negativeReadSize
    /// `readUntil(anyOf: [])` (asyncio: `ValueError`).
    case noSeparator
    /// `readUntil` with an empty separator (asyncio: `ValueError`).
    case emptySeparator
    /// `readLine` met a line longer than the reader's limit (asyncio: `ValueError` carrying
    /// the `LimitOverrunError`'s message). The line, or the whole buffer when no newline
    /// was found, was dropped, so the next `readLine` starts after it.
    case lineLimitOverrun(message: String)
    /// A read started while another read of the same reader was waiting for data
    /// (asyncio: `RuntimeError`). The waiting read is not disturbed. `operation` is the
    /// asyncio name of the second read ("read", "readuntil", "readexactly").
    case concurrentRead(operation: String)

    /// asyncio's message for the same misuse.
    public var description: String {
        switch self {
        case .invalidLimit: "Limit cannot be <= 0"
        case .negativeReadSize: "readexactly size can not be less than zero"
        case .noSeparator: "Separator should contain at least one element"
        case .emptySeparator: "Separator should be at least one-byte string"
        case .lineLimitOverrun(let message): message
        case .concurrentRead(let operation):
            "\(operation)() called while another coroutine is already waiting for incoming data"
        }
    }
}
