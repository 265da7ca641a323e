import Glibc

/// The TCP and Unix-socket transport: asyncio's `_SelectorSocketTransport`, on a libuv
/// stream (`uv_tcp_t` or `uv_pipe_t`) that owns the descriptor.
///
/// Events reach the protocol in asyncio's order: `connectionMade` (scheduled once the
/// transport is set up), `dataReceived`/`bufferUpdated`*, `eofReceived`?, then
/// `connectionLost` exactly once, always from a later callback than `close()`/`abort()`.
///
/// Lifetime: the libuv handle keeps the transport alive (as its reader and through its
/// write requests) until libuv closes it; `connectionLost` then drops the protocol and
/// the server, which breaks the transport ↔ protocol cycle.
final class StreamTransport: Transport, UVStreamReader, @unchecked Sendable, CustomStringConvertible {
    /// Where received bytes go, chosen by the protocol's family (asyncio checks
    /// `BufferedProtocol` first, so a class that is both reads with `getBuffer`).
    enum Receiver {
        case streaming(any StreamingProtocol)
        case buffered(any BufferedProtocol)
    }

    /// asyncio's `constants.LOG_THRESHOLD_FOR_CONNLOST_WRITES`.
    static let connectionLostWriteLogThreshold = 5

    let loop: EventLoop
    let handle: UVStream
    let descriptor: Int32
    let isTCP: Bool
    private let socketView: Socket
    let peerName: SocketAddress?
    let sockName: SocketAddress?

    var receiver: Receiver
    var protocolObject: any BaseProtocol
    var server: Server?
    /// The loop-wide read buffer streaming protocols read through.
    let sharedReadBuffer: UnsafeMutableRawBufferPointer

    // asyncio's state flags.
    var isClosingFlag = false
    /// asyncio's `_conn_lost`: 0 while connected, then counts writes after the loss.
    var connectionLostCount = 0
    var isEOFWritten = false
    var isReadingPaused = false
    var isEOFReceived = false
    var hasStartedReading = false
    var isProtocolConnected = true
    var flow = WriteFlowControl()
    /// Set while `loop.sendFile` runs on this transport (asyncio's `_empty_waiter`).
    var sendfileHold: SendfileHold?

    /// Wraps the connected `socket` (whose descriptor it takes over) and schedules
    /// `connectionMade`, the start of reading and then `waiter`, in that order (asyncio's
    /// `_SelectorSocketTransport.__init__`). On failure `socket` still owns its descriptor.
    init(
        loop: EventLoop, socket: Socket, protocol: any BaseProtocol,
        peerName: SocketAddress? = nil, server: Server? = nil, waiter: LoopWaiter<Void>? = nil
    ) throws(OSError) {
        loop.assertOnLoopThread()
        guard let receiver = Self.receiver(for: `protocol`) else {
            preconditionFailure("a stream transport needs a StreamingProtocol or a BufferedProtocol, got \(type(of: `protocol`))")
        }
        let fd = socket.fileno
        precondition(fd >= 0, "a stream transport needs an open socket")
        isTCP = socket.family == AF_INET || socket.family == AF_INET6
        socket.releaseWatcher()  // e.g. the poll sockConnect used to wait for the connect
        if isTCP {
            let tcp = try UVTCP(loop: loop.uv, descriptor: fd, label: "tcp transport fd=\(fd)")
            // asyncio's _set_nodelay: every TCP transport sends small writes at once.
            tcp.setNoDelay(true)
            handle = tcp
        } else {
            handle = try UVPipe(loop: loop.uv, descriptor: fd, label: "unix transport fd=\(fd)")
        }
        sockName = try? socket.localAddress
        // Captured now, as asyncio does: after a reset getpeername fails.
        self.peerName = peerName ?? (try? socket.peerAddress)
        socketView = Socket(viewing: fd, family: socket.family, type: socket.type, proto: socket.proto)
        _ = socket.detach()
        descriptor = fd
        self.loop = loop
        self.receiver = receiver
        protocolObject = `protocol`
        self.server = server
        sharedReadBuffer = loop.receiveScratch
        loop.transportDescriptors.insert(fd)
        server?.attach(self)
        loop.scheduleSoon { [self] in deliverConnectionMade() }
        loop.scheduleSoon { [self] in startReadingIfWanted() }
        if let waiter {
            loop.scheduleSoon { waiter.resume(returning: ()) }
        }
    }

    static func receiver(for protocol: any BaseProtocol) -> Receiver? {
        if let buffered = `protocol` as? any BufferedProtocol { return .buffered(buffered) }
        if let streaming = `protocol` as? any StreamingProtocol { return .streaming(streaming) }
        return nil
    }

    private func deliverConnectionMade() {
        switch receiver {
        case .streaming(let p): p.connectionMade(self)
        case .buffered(let p): p.connectionMade(self)
        }
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

    var isClosing: Bool { isClosingFlag }

    func setProtocol(_ protocol: any BaseProtocol) {
        loop.assertOnLoopThread()
        guard let receiver = Self.receiver(for: `protocol`) else {
            preconditionFailure("a stream transport needs a StreamingProtocol or a BufferedProtocol, got \(type(of: `protocol`))")
        }
        self.receiver = receiver
        protocolObject = `protocol`
        isProtocolConnected = true
    }

    func getProtocol() -> any BaseProtocol { protocolObject }

    /// asyncio's `close()`: stops reading; once the write buffer is flushed, closes the
    /// socket and schedules `connectionLost(nil)`.
    func close() {
        loop.assertOnLoopThread()
        guard !isClosingFlag else { return }
        isClosingFlag = true
        handle.stopReading()
        if handle.writeQueueSize == 0 {
            connectionLostCount += 1
            closeHandle()
            loop.scheduleSoon { [self] in callConnectionLost(nil) }
        }
        // Otherwise the last write completion finishes the close (writeCompleted).
    }

    /// asyncio's `abort()`: closes at once, dropping buffered data.
    func abort() {
        loop.assertOnLoopThread()
        forceClose(nil)
    }

    // MARK: Closing

    /// asyncio's `_fatal_error`: OS errors (resets, broken pipes) are connection losses,
    /// logged only in debug mode; anything else goes to the exception handler.
    func fatalError(_ error: any Error, _ message: String) {
        if error is OSError {
            if loop.debug { loop.logger.debug("\(self): \(message): \(error)") }
        } else {
            loop.callExceptionHandler(ExceptionContext(
                message: message, error: error,
                extra: ["transport": "\(self)", "protocol": "\(type(of: protocolObject))"]))
        }
        forceClose(error)
    }

    /// asyncio's `_force_close`: drops the buffer, closes, schedules `connectionLost(error)`.
    func forceClose(_ error: (any Error)?) {
        guard connectionLostCount == 0 else { return }
        isClosingFlag = true
        connectionLostCount += 1
        closeHandle()
        loop.scheduleSoon { [self] in callConnectionLost(error) }
    }

    /// Closes the libuv handle, which closes the descriptor and cancels queued writes.
    func closeHandle() {
        guard !handle.isCloseRequested else { return }
        // A sendfile polling the descriptor must stop before libuv closes it.
        sendfileHold?.transportWillClose()
        loop.transportDescriptors.remove(descriptor)
        socketView.invalidateView()
        handle.close()
    }

    /// asyncio's `_call_connection_lost`: the protocol hears of it once, then the
    /// transport lets go of its protocol and server.
    func callConnectionLost(_ error: (any Error)?) {
        if isProtocolConnected {
            isProtocolConnected = false
            protocolObject.connectionLost(error)
        }
        let placeholder = DisconnectedProtocol()
        protocolObject = placeholder
        receiver = .streaming(placeholder)
        if let server {
            self.server = nil
            server.detach(self)
        }
    }

    var description: String {
        var text = "<StreamTransport fd=\(descriptor)"
        if connectionLostCount > 0 { text += " closed" } else if isClosingFlag { text += " closing" }
        if let peerName { text += " peer=\(peerName)" }
        return text + " bufsize=\(writeBufferSize)>"
    }
}

/// What a transport holds after `connectionLost`, so it no longer keeps the user's
/// protocol (asyncio sets `_protocol = None`).
final class DisconnectedProtocol: StreamingProtocol {}
