/// The stream ended before a read could complete: asyncio's `IncompleteReadError`
/// (an `EOFError`), thrown by `StreamReader.readExactly` and `readUntil`.
public struct IncompleteReadError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The bytes read before the end of the stream (asyncio's `partial`).
    public var partial: [UInt8]
    /// How many bytes were expected, nil when unknown (asyncio's `expected`).
    public var expected: Int?

    /// asyncio's `IncompleteReadError(partial, expected)`.
    public init(partial: [UInt8], expected: Int?) {
        self.partial = partial
        self.expected = expected
    }

    /// asyncio's message: "18 bytes read on a total of 36 expected bytes", or
    /// "... of undefined expected bytes" when `expected` is nil.
    public var description: String {
        let total = expected.map(String.init) ?? "undefined"
        return "\(partial.count) bytes read on a total of \(total) expected bytes"
    }
}
