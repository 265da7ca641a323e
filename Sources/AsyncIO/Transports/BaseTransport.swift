/// What every transport offers: asyncio's `BaseTransport`. Loop thread only.
public protocol BaseTransport: AnyObject {
    /// asyncio's `get_extra_info(name)`: `"peername"`, `"sockname"` (both `SocketAddress`),
    /// `"socket"` (`Socket`); nil for unknown names.
    func getExtraInfo(_ name: String) -> Any?

    /// The peer's address (`getExtraInfo("peername")`, typed).
    var peerName: SocketAddress? { get }

    /// The local address (`getExtraInfo("sockname")`, typed).
    var sockName: SocketAddress? { get }

    /// The socket under the transport (`getExtraInfo("socket")`, typed). The transport
    /// owns its descriptor: use this socket for options and addresses, not for I/O.
    var socket: Socket? { get }

    /// Whether the transport is closing or closed (asyncio's `is_closing()`).
    var isClosing: Bool { get }

    /// Closes the transport; for writable transports, after the write buffer is flushed.
    /// The protocol's `connectionLost(nil)` follows on a later loop iteration.
    func close()

    /// Replaces the protocol that receives the transport's events.
    func setProtocol(_ protocol: any BaseProtocol)

    /// The protocol that receives the transport's events.
    func getProtocol() -> any BaseProtocol
}
