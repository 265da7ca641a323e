import Glibc

/// A listening server: asyncio's `Server`, returned by `EventLoop.createServer` and
/// `createUnixServer`. Loop thread only.
///
/// Each listening socket is watched for readability; on a wake-up up to `backlog`
/// connections are accepted, each gets a protocol from the factory and a stream
/// transport. When the process runs out of descriptors (EMFILE, ENFILE, ENOBUFS,
/// ENOMEM) the server reports it once to the exception handler, stops accepting for a
/// second (asyncio's `ACCEPT_RETRY_DELAY`) and resumes, so it neither spins nor dies.
public final class Server: CustomStringConvertible {
    /// The loop the server runs on (asyncio's `get_loop()`).
    public let loop: EventLoop
    private var listeners: [Listener]?
    private let factory: () throws -> any ConnectionProtocol
    private let backlog: Int32
    private var clients: [ObjectIdentifier: StreamTransport] = [:]
    /// Who waits in `waitClosed`; nil once the server closed and its last client left
    /// (asyncio's `_waiters`).
    private var closeWaiters: [Int: () -> Void]? = [:]
    private var nextWaiterID = 0
    private var serving = false
    private var servingForever: LoopWaiter<Void>?
    private var isServingForever = false
    /// Takes each accepted socket instead of `startConnection`: an `EventLoopGroup`'s
    /// round-robin acceptor hands them to the group's loops (Group/EventLoopGroup+Server.swift).
    var acceptedSocketHandler: ((Socket, SocketAddress) -> Void)?

    /// One listening socket and its watch.
    final class Listener {
        let socket: Socket
        let view: Socket
        var watch: UVPoll?
        var retry: TimerHandle?
        /// Set while accept fails for lack of resources, so one episode is one report.
        var isOutOfResources = false
        /// A Unix socket file to remove on close, with the inode it had when bound.
        var unixCleanup: (path: String, inode: UInt64)?

        init(socket: Socket) {
            self.socket = socket
            view = Socket(viewing: socket.fileno, family: socket.family, type: socket.type, proto: socket.proto)
        }
    }

    init(loop: EventLoop, sockets: [Socket], factory: @escaping () throws -> any ConnectionProtocol,
         backlog: Int, unixCleanup: [Int32: (path: String, inode: UInt64)] = [:]) {
        self.loop = loop
        self.factory = factory
        self.backlog = Int32(clamping: max(backlog, 1))
        listeners = sockets.map { socket in
            let listener = Listener(socket: socket)
            listener.unixCleanup = unixCleanup[socket.fileno]
            loop.transportDescriptors.insert(socket.fileno)
            return listener
        }
    }

    /// Whether the server accepts connections (asyncio's `is_serving()`).
    public var isServing: Bool { serving }

    /// The listening sockets, as non-owning views (asyncio's `sockets`, a tuple of
    /// `TransportSocket`s); empty once closed.
    public var sockets: [Socket] { listeners?.map(\.view) ?? [] }

    /// Starts accepting if it does not yet (asyncio's `start_serving()`); for servers made
    /// with `startServing: false`.
    nonisolated(nonsending) public func startServing() async throws {
        try beginServing()
        await Task.yield()
    }

    /// Serves until cancelled (asyncio's `serve_forever()`): cancellation closes the
    /// server, waits for `waitClosed()`, then throws `CancellationError`. `close()` from
    /// elsewhere ends it the same way. Throws `ServerError` if already serving forever
    /// or closed.
    nonisolated(nonsending) public func serveForever() async throws {
        loop.assertOnLoopThread()
        guard !isServingForever else { throw ServerError.alreadyServingForever(description) }
        guard listeners != nil else { throw ServerError.closed(description) }
        try beginServing()
        isServingForever = true
        defer { isServingForever = false }
        do {
            try await loop.suspend { (waiter: LoopWaiter<Void>) in
                servingForever = waiter
                waiter.onCancel = { [self] in servingForever = nil }
            }
        } catch {
            servingForever = nil
            close()
            await waitClosedIgnoringCancellation()
            throw error
        }
    }

    /// Stops listening and closes the listening sockets (asyncio's `close()`). Connected
    /// clients stay up; `waitClosed()` returns once they are gone too.
    public func close() {
        loop.assertOnLoopThread()
        guard let listeners else { return }
        self.listeners = nil
        for listener in listeners { stopListening(listener) }
        serving = false
        if let waiter = servingForever {
            servingForever = nil
            waiter.resume(throwing: CancellationError())
        }
        if clients.isEmpty { wakeUpCloseWaiters() }
    }

    /// Closes every connected client transport (asyncio's `close_clients()`).
    public func closeClients() {
        loop.assertOnLoopThread()
        for transport in Array(clients.values) { transport.close() }
    }

    /// Aborts every connected client transport (asyncio's `abort_clients()`).
    public func abortClients() {
        loop.assertOnLoopThread()
        for transport in Array(clients.values) { transport.abort() }
    }

    /// Returns once the server is closed and no connection it accepted remains
    /// (asyncio 3.12+'s `wait_closed()`); throws `CancellationError` if cancelled.
    nonisolated(nonsending) public func waitClosed() async throws {
        loop.assertOnLoopThread()
        try await loop.suspend { (waiter: LoopWaiter<Void>) in
            guard closeWaiters != nil else {
                waiter.resume(returning: ())
                return
            }
            let id = nextWaiterID
            nextWaiterID += 1
            closeWaiters![id] = { waiter.resume(returning: ()) }
            waiter.onCancel = { [self] in closeWaiters?[id] = nil }
        }
    }

    /// `waitClosed` for a task that is already cancelled (serveForever's cleanup).
    nonisolated(nonsending) private func waitClosedIgnoringCancellation() async {
        guard closeWaiters != nil else { return }
        await withUnsafeContinuation { (continuation: UnsafeContinuation<Void, Never>) in
            guard closeWaiters != nil else {
                continuation.resume()
                return
            }
            let id = nextWaiterID
            nextWaiterID += 1
            closeWaiters![id] = { continuation.resume() }
        }
    }

    private func wakeUpCloseWaiters() {
        guard let waiters = closeWaiters else { return }
        closeWaiters = nil
        for wake in waiters.sorted(by: { $0.key < $1.key }).map(\.value) { wake() }
    }

    // MARK: Clients

    func attach(_ transport: StreamTransport) {
        clients[ObjectIdentifier(transport)] = transport
    }

    func detach(_ transport: StreamTransport) {
        clients[ObjectIdentifier(transport)] = nil
        if clients.isEmpty && listeners == nil { wakeUpCloseWaiters() }
    }

    /// The number of live connections (for tests).
    var clientCount: Int { clients.count }

    // MARK: Accepting

    /// asyncio's `_start_serving`: listen, then watch every socket.
    func beginServing() throws {
        loop.assertOnLoopThread()
        guard !serving, let listeners else { return }
        serving = true
        for listener in listeners {
            try listener.socket.listen(backlog: backlog)
            try watch(listener)
        }
    }

    private func watch(_ listener: Listener) throws {
        if listener.watch == nil {
            let poll = try UVPoll(loop: loop.uv, socket: listener.socket.fileno, label: "server \(listener.view)")
            poll.onEvents = { [unowned self, unowned listener] status, _ in
                if status < 0 {
                    loop.callExceptionHandler(ExceptionContext(
                        message: "Error polling a listening socket",
                        error: OSError(errno: -status, operation: "poll"), extra: ["socket": "\(listener.view)"]))
                    return
                }
                acceptConnections(listener)
            }
            listener.watch = poll
        }
        try listener.watch!.start(UVPoll.readable)
    }

    private func stopListening(_ listener: Listener) {
        listener.retry?.cancel()
        listener.retry = nil
        listener.watch?.close()
        listener.watch = nil
        let path = listener.unixCleanup
        loop.transportDescriptors.remove(listener.socket.fileno)
        listener.view.invalidateView()
        listener.socket.close()
        if let path { Self.removeUnixSocketFile(path.path, ifInode: path.inode, logger: loop) }
    }

    /// asyncio's `_accept_connection`: up to `backlog` connections per wake-up.
    private func acceptConnections(_ listener: Listener) {
        for _ in 0..<backlog {
            let attempt: Socket.Attempt<(Socket, SocketAddress)>
            do {
                attempt = try listener.socket.tryAccept()
            } catch {
                if AcceptShortage.isShortage(error) {
                    pauseAccepting(listener, error: error)
                } else {
                    loop.callExceptionHandler(ExceptionContext(
                        message: "socket.accept() failed", error: error, extra: ["socket": "\(listener.view)"]))
                }
                return
            }
            listener.isOutOfResources = false
            switch attempt {
            case .wouldBlock:
                return
            case .done(let (socket, peer)):
                if let handler = acceptedSocketHandler {
                    handler(socket, peer)
                } else {
                    startConnection(socket, peer: peer)
                }
            }
        }
    }

    /// Out of descriptors: report once per episode, stop watching, retry in a second.
    private func pauseAccepting(_ listener: Listener, error: OSError) {
        if !listener.isOutOfResources {
            listener.isOutOfResources = true
            AcceptShortage.report(error, listener: listener.view, to: loop)
        }
        listener.watch?.stop()
        listener.retry = loop.scheduleLater(AcceptShortage.retryDelay) { [weak self, unowned listener] in
            listener.retry = nil
            guard let self, self.serving, self.listeners != nil else { return }
            try self.watch(listener)
        }
    }

    /// asyncio's `_accept_connection2`, without its task: a failing factory closes the
    /// connection and is reported (asyncio reports it in debug mode only), and so does a
    /// protocol no stream transport can drive: the factory's type rules out every other
    /// kind at compile time, but a class may conform to `ConnectionProtocol` directly, and
    /// that must cost one connection, not the process.
    func startConnection(_ socket: Socket, peer: SocketAddress) {
        do {
            let proto = try factory()
            guard StreamReceiver(proto) != nil else {
                socket.close()
                loop.callExceptionHandler(ExceptionContext(
                    message: "Protocol factory returned \(type(of: proto)) for an incoming connection, "
                        + "which is neither a StreamingProtocol nor a BufferedProtocol",
                    extra: ["peername": "\(peer)", "protocol": "\(type(of: proto))"]))
                return
            }
            _ = try StreamTransport(loop: loop, socket: socket, protocol: proto, peerName: peer, server: self)
        } catch {
            socket.close()
            loop.callExceptionHandler(ExceptionContext(
                message: Self.incomingConnectionFailure, error: error, extra: ["peername": "\(peer)"]))
        }
    }

    /// What the exception handler hears when setting up an accepted connection fails
    /// (asyncio's `_accept_connection2`); the TLS layer reports failed handshakes with it.
    static let incomingConnectionFailure = "Error on transport creation for incoming connection"

    /// asyncio's `repr`: `<Server sockets=[…]>`, the listening sockets.
    public var description: String {
        "<Server sockets=\(sockets.map(\.description))>"
    }
}

/// Misuse of a `Server` that asyncio reports as `RuntimeError`.
public enum ServerError: Error, Sendable, Equatable, CustomStringConvertible {
    /// `serveForever()` while another `serveForever()` runs.
    case alreadyServingForever(String)
    /// `serveForever()` on a closed server.
    case closed(String)

    /// The text asyncio's `RuntimeError` carries, naming the server.
    public var description: String {
        switch self {
        case .alreadyServingForever(let server): "server \(server) is already being awaited on serveForever()"
        case .closed(let server): "server \(server) is closed"
        }
    }
}
