import Glibc

/// The datagram transport (UDP over IPv4/IPv6, and Unix datagram sockets): asyncio's
/// `_SelectorDatagramTransport`, on a libuv `uv_udp_t` that owns the descriptor (libuv
/// 1.44's UDP handle sends and receives AF_UNIX datagrams as well). Its life (close,
/// abort, lost once) and flow control are `TransportCore`'s.
///
/// Events reach the protocol in asyncio's order: `connectionMade` (scheduled once the
/// transport is set up), then `datagramReceived`/`errorReceived`*, then `connectionLost`
/// exactly once, always from a later callback than `close()`/`abort()`.
///
/// Lifetime: the libuv handle keeps the transport alive (as its receiver and through its
/// send requests) until libuv closes it; `connectionLost` then drops the protocol, which
/// breaks the transport ↔ protocol cycle.
final class DatagramSocketTransport: TransportCore<DatagramSlot>, DatagramTransport, UVUDPReceiver {
    /// What asyncio adds to a queued datagram's size for flow control (a header estimate);
    /// it also makes a burst of empty datagrams count.
    static let datagramOverhead = 8

    let handle: UVUDP
    let descriptor: Int32
    private let socketView: Socket
    /// `getpeername()` at creation: set only when the socket is connected.
    let peerName: SocketAddress?
    let sockName: SocketAddress?
    /// asyncio's `_address`: the only destination `sendTo` accepts (the connected peer, or
    /// the `remoteAddress` of a broadcast endpoint, which is not connected).
    let remoteAddress: SocketAddress?
    /// The loop-wide receive buffer (every datagram is copied out before the next read).
    let receiveBuffer: UnsafeMutableRawBufferPointer

    /// Wraps the datagram `socket` (whose descriptor it takes over) and schedules
    /// `connectionMade`, the start of receiving and then `waiter`, in that order (asyncio's
    /// `_SelectorDatagramTransport.__init__`). On failure `socket` still owns its descriptor.
    init(
        loop: EventLoop, socket: Socket, protocol: any DatagramProtocol,
        remoteAddress: SocketAddress? = nil, waiter: LoopWaiter<Void>? = nil
    ) throws(OSError) {
        loop.assertOnLoopThread()
        let fd = socket.fileno
        precondition(fd >= 0, "a datagram transport needs an open socket")
        socket.releaseWatcher()  // e.g. the poll sockConnect may have used
        let reuseAddress = (try? socket.getOption(level: SOL_SOCKET, name: SO_REUSEADDR)) ?? 0
        handle = try UVUDP(loop: loop.uv, descriptor: fd, label: "udp transport fd=\(fd)")
        // uv_udp_open turns SO_REUSEADDR on; asyncio 3.13 never sets it on datagram
        // sockets (another process could bind the same port and steal datagrams).
        if reuseAddress == 0 { try? socket.setOption(level: SOL_SOCKET, name: SO_REUSEADDR, value: 0) }
        sockName = try? socket.localAddress
        let peer = try? socket.peerAddress
        peerName = peer
        self.remoteAddress = remoteAddress ?? peer
        socketView = Socket(viewing: fd, family: socket.family, type: socket.type, proto: socket.proto)
        _ = socket.detach()
        descriptor = fd
        receiveBuffer = loop.receiveScratch
        super.init(loop: loop, slot: DatagramSlot(member: `protocol`))
        loop.transportDescriptors.insert(fd)
        loop.scheduleSoon { [self] in slot.member.connectionMade(self) }
        // Only receive once connectionMade has run.
        loop.scheduleSoon { [self] in startReceiving() }
        if let waiter {
            loop.scheduleSoon { waiter.resume(returning: ()) }
        }
    }

    private func startReceiving() {
        // close() before this ran (still flushing, or done) means no receiving at all.
        guard state == .open else { return }
        let status = handle.startReceiving(self)
        if status < 0 { forceClose(OSError(uvStatus: status, operation: "uv_udp_recv_start")) }
    }

    // MARK: BaseTransport

    func getExtraInfo(_ name: String) -> Any? {
        switch name {
        case "peername": peerName
        case "sockname": sockName
        case "socket": socketView
        default: nil
        }
    }

    var socket: Socket? { socketView }

    /// asyncio's `close()`: stops receiving; once queued datagrams are sent, closes the
    /// socket and schedules `connectionLost(nil)`.
    func close() {
        loop.assertOnLoopThread()
        guard beginClosing() else { return }
        handle.stopReceiving()
        if handle.sendQueueCount == 0 { forceClose(nil) }
        // Otherwise the last send completion finishes the close (sendCompleted).
    }

    /// asyncio's `abort()`: closes at once, dropping queued datagrams.
    func abort() {
        loop.assertOnLoopThread()
        forceClose(nil)
    }

    // MARK: Receiving

    func udpAllocate(suggestedSize: Int) -> UnsafeMutableRawBufferPointer { receiveBuffer }

    func udpDidReceive(_ count: Int, from sender: SocketAddress?) {
        guard state.isConnected else { return }
        let data = [UInt8](UnsafeRawBufferPointer(start: receiveBuffer.baseAddress, count: count))
        slot.member.datagramReceived(data, from: sender)
    }

    /// asyncio reports receive errors (ICMP errors on a connected socket) to the protocol
    /// and keeps the endpoint open.
    func udpDidFail(status: Int32) {
        guard state.isConnected else { return }
        slot.member.errorReceived(OSError(uvStatus: status, operation: "recvfrom"))
    }

    // MARK: TransportCore

    /// Closes the libuv handle, which closes the descriptor and cancels queued sends.
    override func closeResources() {
        guard !handle.isCloseRequested else { return }
        loop.transportDescriptors.remove(descriptor)
        socketView.invalidateView()
        handle.close()
    }

    override var bufferedByteCount: Int { writeBufferSize }

    override var description: String {
        var text = "<DatagramSocketTransport fd=\(descriptor)\(state.label)"
        if let sockName { text += " local=\(sockName)" }
        if let remoteAddress { text += " remote=\(remoteAddress)" }
        return text + " bufsize=\(writeBufferSize)>"
    }
}
