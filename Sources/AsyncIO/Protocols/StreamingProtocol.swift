/// A protocol for stream connections (TCP, Unix sockets, pipes): asyncio's `Protocol`.
///
/// Calls arrive in this order: `connectionMade` once, `dataReceived` any number of times,
/// `eofReceived` at most once, then `connectionLost` once.
public protocol StreamingProtocol: ConnectionProtocol {
    /// The connection is ready; keep `transport` to write to it (asyncio's `connection_made`).
    func connectionMade(_ transport: any Transport)

    /// Bytes arrived (asyncio's `data_received(data)`). The array is the protocol's to keep.
    func dataReceived(_ data: [UInt8])

    /// The peer closed its side for writing (asyncio's `eof_received()`). Return true to
    /// keep the transport open half-way (the protocol will close it); false (the
    /// default) closes it.
    func eofReceived() -> Bool
}

extension StreamingProtocol {
    /// Default: does nothing.
    public func connectionMade(_ transport: any Transport) {}
    /// Default: does nothing.
    public func dataReceived(_ data: [UInt8]) {}
    /// Default: returns false, so the transport closes itself.
    public func eofReceived() -> Bool { false }
}
