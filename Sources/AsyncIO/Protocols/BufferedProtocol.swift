/// A stream protocol that owns its receive buffer: asyncio's `BufferedProtocol`.
/// The transport reads straight into the buffer it gets from `getBuffer`, with no copy.
public protocol BufferedProtocol: ConnectionProtocol {
    /// The connection is ready (asyncio's `connection_made`).
    func connectionMade(_ transport: any Transport)

    /// A buffer to read into, preferably at least `sizeHint` bytes (any non-empty size is
    /// accepted; -1 means no preference). It must stay valid until `bufferUpdated`.
    /// asyncio's `get_buffer(sizehint)`.
    func getBuffer(_ sizeHint: Int) -> UnsafeMutableRawBufferPointer

    /// The first `count` bytes of the last buffer were filled (asyncio's `buffer_updated`).
    func bufferUpdated(_ count: Int)

    /// The peer closed its side for writing; see `StreamingProtocol.eofReceived`.
    func eofReceived() -> Bool
}

extension BufferedProtocol {
    /// Default: does nothing.
    public func connectionMade(_ transport: any Transport) {}
    /// Default: returns false, so the transport closes itself.
    public func eofReceived() -> Bool { false }
}
