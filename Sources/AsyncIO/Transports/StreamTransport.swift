import Glibc

/// The TCP and Unix-socket transport: asyncio's `_SelectorSocketTransport`, on a libuv
/// stream (`uv_tcp_t` or `uv_pipe_t`) that owns the descriptor. Its reading, writing and
/// closing are `BaseStreamTransport`'s; this adds the socket setup and the server link.
///
/// Events reach the protocol in asyncio's order: `connectionMade` (scheduled once the
/// transport is set up), `dataReceived`/`bufferUpdated`*, `eofReceived`?, then
/// `connectionLost` exactly once, always from a later callback than `close()`/`abort()`.
final class StreamTransport: BaseStreamTransport, Transport, ForceClosableTransport {
    let isTCP: Bool
    /// The server that accepted the connection, told when it is lost.
    private var server: Server?

    /// Wraps the connected `socket` (whose descriptor it takes over) and schedules
    /// `connectionMade`, the start of reading and then `waiter`, in that order (asyncio's
    /// `_SelectorSocketTransport.__init__`). On failure `socket` still owns its descriptor.
    init(
        loop: EventLoop, socket: Socket, protocol: any BaseProtocol,
        peerName: SocketAddress? = nil, server: Server? = nil, waiter: LoopWaiter<Void>? = nil
    ) throws(OSError) {
        loop.assertOnLoopThread()
        guard let receiver = StreamReceiver(`protocol`) else {
            preconditionFailure("a stream transport needs \(StreamReceiver.accepted), got \(type(of: `protocol`))")
        }
        let fd = socket.fileno
        precondition(fd >= 0, "a stream transport needs an open socket")
        isTCP = socket.family == AF_INET || socket.family == AF_INET6
        socket.releaseWatcher()  // e.g. the poll sockConnect used to wait for the connect
        let handle: UVStream
        if isTCP {
            let tcp = try UVTCP(loop: loop.uv, descriptor: fd, label: "tcp transport fd=\(fd)")
            // asyncio's _set_nodelay: every TCP transport sends small writes at once.
            tcp.setNoDelay(true)
            handle = tcp
        } else {
            handle = try UVPipe(loop: loop.uv, descriptor: fd, label: "unix transport fd=\(fd)")
        }
        let sockName = try? socket.localAddress
        // Captured now, as asyncio does: after a reset getpeername fails.
        let peerName = peerName ?? (try? socket.peerAddress)
        let view = Socket(viewing: fd, family: socket.family, type: socket.type, proto: socket.proto)
        _ = socket.detach()
        self.server = server
        super.init(loop: loop, handle: handle, descriptor: fd, role: .socket, receiver: receiver,
                   socketView: view, peerName: peerName, sockName: sockName)
        server?.attach(self)
        loop.scheduleSoon { [self] in slot.connectionMade(self) }
        loop.scheduleSoon { [self] in startReadingIfWanted() }
        if let waiter {
            loop.scheduleSoon { waiter.resume(returning: ()) }
        }
    }

    /// The server lets go of the connection once it is lost (its `waitClosed` counts them).
    override func didLoseConnection() {
        guard let server else { return }
        self.server = nil
        server.detach(self)
    }
}
