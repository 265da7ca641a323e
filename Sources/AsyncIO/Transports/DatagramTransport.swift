/// A datagram endpoint: asyncio's `DatagramTransport`.
public protocol DatagramTransport: BaseTransport {
    /// Sends one datagram to `address`, or to the connected peer when nil
    /// (asyncio's `sendto(data, addr)`).
    func sendTo(_ data: [UInt8], address: SocketAddress?)

    /// Closes at once, dropping buffered datagrams (asyncio's `abort`).
    func abort()
}
