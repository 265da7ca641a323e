/// A protocol for datagram endpoints (UDP, Unix datagram sockets): asyncio's `DatagramProtocol`.
public protocol DatagramProtocol: BaseProtocol {
    /// The endpoint is ready (asyncio's `connection_made`).
    func connectionMade(_ transport: any DatagramTransport)

    /// A datagram arrived from `address` (asyncio's `datagram_received(data, addr)`).
    func datagramReceived(_ data: [UInt8], from address: SocketAddress?)

    /// A send or receive failed, e.g. ICMP port unreachable (asyncio's `error_received`).
    func errorReceived(_ error: any Error)
}

extension DatagramProtocol {
    /// Default: does nothing.
    public func connectionMade(_ transport: any DatagramTransport) {}
    /// Default: does nothing.
    public func datagramReceived(_ data: [UInt8], from address: SocketAddress?) {}
    /// Default: does nothing.
    public func errorReceived(_ error: any Error) {}
}
