/// A datagram endpoint: asyncio's `DatagramTransport`.
public protocol DatagramTransport: BaseTransport {
    /// Sends one datagram to `address`, or to the connected peer when nil
    /// (asyncio's `sendto(data, addr)`). Empty datagrams are sent. OS errors of the send
    /// reach the protocol's `errorReceived`, as in asyncio.
    ///
    /// Throws `InvalidArgumentError` (asyncio's `ValueError`) when a connected endpoint is
    /// given another address than its peer's ("Invalid address: must be None or …"), or an
    /// unconnected endpoint gets no address.
    func sendTo(_ data: [UInt8], address: SocketAddress?) throws

    /// `sendTo` from any contiguous bytes, copied only if the socket cannot take them now.
    func sendTo(_ data: UnsafeRawBufferPointer, address: SocketAddress?) throws

    /// Closes at once, dropping buffered datagrams (asyncio's `abort`).
    func abort()

    /// Bytes of datagrams queued but not yet sent, plus 8 per datagram as asyncio counts
    /// (asyncio's `get_write_buffer_size()`).
    var writeBufferSize: Int { get }

    /// The flow-control marks (asyncio's `get_write_buffer_limits()`).
    var writeBufferLimits: (low: Int, high: Int) { get }

    /// asyncio's `set_write_buffer_limits(high, low)`: `pauseWriting` once the buffer is
    /// above `high`, `resumeWriting` once it drains to `low`. Throws
    /// `WriteBufferLimitsError` unless `high >= low >= 0`.
    func setWriteBufferLimits(high: Int?, low: Int?) throws
}

extension DatagramTransport {
    /// Sends one datagram to the connected peer (asyncio's `sendto(data)`).
    public func sendTo(_ data: [UInt8]) throws {
        try sendTo(data, address: nil)
    }
}
