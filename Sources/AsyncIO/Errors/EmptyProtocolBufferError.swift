/// A `BufferedProtocol.getBuffer` returned an empty buffer (asyncio's RuntimeError
/// "get_buffer() returned an empty buffer").
public struct EmptyProtocolBufferError: Error, Sendable, CustomStringConvertible {
    /// asyncio's message: `getBuffer() returned an empty buffer`.
    public var description: String { "getBuffer() returned an empty buffer" }
}
