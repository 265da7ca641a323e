import Glibc

extension EventLoopGroup {
    /// Creates a TCP server on every loop of the group: asyncio's `loop.create_server`, with
    /// one listening socket per loop on the same host and port (SO_REUSEPORT, so the kernel
    /// spreads incoming connections over the loops). Each connection lives on the loop that
    /// accepted it, with a protocol from `factory` made there.
    ///
    /// Port 0 picks a free port on the first loop and binds the others to it (if `host`
    /// resolves to several addresses, all of them get that one port). The keywords are
    /// `EventLoop.createServer`'s; `clientGracePeriod` is how long clients may finish once
    /// the group stops before they are closed (see `GroupServer`); `distribution:
    /// .roundRobin` has loop 0 accept every connection and hand them to the loops in turn
    /// instead (`GroupServer.Distribution`). Call it from code
    /// inside `group.run` (any loop, or another thread while the group runs); throws
    /// `EventLoopGroupError.notRunning` otherwise, and the first loop's error (an address
    /// in use names it) if a loop cannot listen, after closing the loops that could.
    public func createServer(
        _ factory: @escaping @Sendable () throws -> any ConnectionProtocol,
        host: String? = nil, port: Int = 0,
        family: Int32 = AF_UNSPEC, flags: Int32 = AI_PASSIVE, backlog: Int = 100, ssl: SSLContext? = nil,
        reuseAddress: Bool? = nil, keepAlive: Bool = false, clientGracePeriod: Duration = .seconds(5),
        distribution: GroupServer.Distribution = .reusePort
    ) async throws -> GroupServer {
        try await createServer(
            perLoop: { _ in factory }, host: host, port: port, family: family, flags: flags, backlog: backlog,
            ssl: ssl, reuseAddress: reuseAddress, keepAlive: keepAlive, clientGracePeriod: clientGracePeriod,
            distribution: distribution)
    }

    /// `createServer` whose protocols share state within a loop: `makeFactory` runs once on
    /// each loop, as that loop's code, and returns the factory of that loop's protocols, so
    /// what it creates (a buffer, a room of chat clients) is shared by the connections of
    /// one loop without a lock, and never by two loops.
    public func createServer(
        perLoop makeFactory: @escaping @Sendable (isolated EventLoop) throws -> () throws -> any ConnectionProtocol,
        host: String? = nil, port: Int = 0,
        family: Int32 = AF_UNSPEC, flags: Int32 = AI_PASSIVE, backlog: Int = 100, ssl: SSLContext? = nil,
        reuseAddress: Bool? = nil, keepAlive: Bool = false, clientGracePeriod: Duration = .seconds(5),
        distribution: GroupServer.Distribution = .reusePort
    ) async throws -> GroupServer {
        guard await coordinator.acceptsWork else { throw EventLoopGroupError.notRunning }
        let options = ListenOptions(host: host, port: port, family: family, flags: flags, backlog: backlog,
                                    ssl: ssl, reuseAddress: reuseAddress, keepAlive: keepAlive)
        var members: [GroupServer.Member] = []
        let addresses: [SocketAddress]
        do {
            addresses = try await listen(distribution, options, makeFactory, into: &members)
        } catch {
            // Close what the loops that could listen opened.
            await GroupServer(members: members, addresses: [], clientGracePeriod: .zero).shutdown()
            throw error
        }
        let server = GroupServer(members: members, addresses: addresses, clientGracePeriod: clientGracePeriod)
        await coordinator.register(server)
        return server
    }

    /// Makes every loop's part of a group server, appending each to `members` as it is
    /// made (so a failure can close them); returns the addresses loop 0 listens on.
    ///
    /// `.reusePort`: every loop listens on the address. `.roundRobin`: the other loops
    /// first, each with a server that has no socket of its own, then loop 0's, which
    /// accepts for all of them.
    private func listen(
        _ distribution: GroupServer.Distribution, _ options: ListenOptions,
        _ makeFactory: @escaping @Sendable (isolated EventLoop) throws -> () throws -> any ConnectionProtocol,
        into members: inout [GroupServer.Member]
    ) async throws -> [SocketAddress] {
        if distribution == .roundRobin {
            for loop in loops.dropFirst() {
                members.append(try await Self.listen(on: loop, options, makeFactory, role: .fed).0)
            }
            let (acceptor, addresses) = try await Self.listen(
                on: loops[0], options, makeFactory, role: .acceptor(members.map(\.commands)))
            members.insert(acceptor, at: 0)
            return addresses
        }
        var options = options
        var addresses: [SocketAddress] = []
        for loop in loops {
            var (member, bound) = try await Self.listen(on: loop, options, makeFactory, role: .listener)
            if addresses.isEmpty, options.port == 0 {
                let first = bound.first?.port ?? 0
                if bound.contains(where: { $0.port != first }) {
                    // Port 0 gave each address of `host` a port of its own: listen again
                    // with the first one's everywhere, so every loop can share them.
                    await GroupServer(members: [member], addresses: bound, clientGracePeriod: .zero).shutdown()
                    options.port = first
                    (member, bound) = try await Self.listen(on: loop, options, makeFactory, role: .listener)
                }
                options.port = first
            }
            members.append(member)
            if addresses.isEmpty { addresses = bound }
        }
        return addresses
    }

    /// Starts a streams server on every loop of the group: asyncio's `start_server`, as
    /// `createServer` on the group spreads it. `clientConnected` runs as a task on the loop
    /// that accepted the connection, as that loop's code.
    public func startServer(
        host: String? = nil, port: Int = 0, limit: Int = StreamReader.defaultLimit,
        family: Int32 = AF_UNSPEC, flags: Int32 = AI_PASSIVE, backlog: Int = 100, ssl: SSLContext? = nil,
        reuseAddress: Bool? = nil, keepAlive: Bool = false, clientGracePeriod: Duration = .seconds(5),
        distribution: GroupServer.Distribution = .reusePort,
        clientConnected: nonisolated(nonsending) @escaping @Sendable (StreamReader, StreamWriter) async throws -> Void
    ) async throws -> GroupServer {
        try await createServer(
            perLoop: { loop in
                _ = try StreamReader(limit: limit, loop: loop)  // reject a bad limit before binding
                return {
                    StreamReaderProtocol(reader: try StreamReader(limit: limit, loop: loop),
                                         clientConnected: clientConnected, loop: loop)
                }
            },
            host: host, port: port, family: family, flags: flags, backlog: backlog, ssl: ssl,
            reuseAddress: reuseAddress, keepAlive: keepAlive, clientGracePeriod: clientGracePeriod,
            distribution: distribution)
    }

    /// Makes `loop`'s part of a group server: its `Server` (SO_REUSEPORT) and the task that
    /// keeps it; returns them with the addresses it listens on.
    private static func listen(
        on loop: EventLoop, _ options: ListenOptions,
        _ makeFactory: @escaping @Sendable (isolated EventLoop) throws -> () throws -> any ConnectionProtocol,
        role: MemberRole
    ) async throws -> (GroupServer.Member, [SocketAddress]) {
        let (commands, control) = AsyncStream.makeStream(of: GroupServerCommand.self)
        let started = try await loop.runCoroutineThreadsafe { loop in
            try await startKeeper(loop, options, makeFactory, role, commands, control)
        }
        return (GroupServer.Member(loop: loop, keeper: started.keeper, commands: control), started.addresses)
    }

    /// On `loop`: its `Server` and the task that keeps it.
    private static func startKeeper(
        _ loop: isolated EventLoop, _ options: ListenOptions,
        _ makeFactory: @Sendable (isolated EventLoop) throws -> () throws -> any ConnectionProtocol,
        _ role: MemberRole,
        _ commands: AsyncStream<GroupServerCommand>, _ control: AsyncStream<GroupServerCommand>.Continuation
    ) async throws -> StartedKeeper {
        let accepted = AcceptCount()
        let makeProtocol = try makeFactory(loop)
        let factory: () throws -> any ConnectionProtocol = { accepted.count += 1; return try makeProtocol() }
        let server: Server
        if case .fed = role {
            // No socket: connections arrive from the acceptor (`.adopt`), through the TLS
            // layer when asked, as createServer would wrap them.
            let tls = try TLSOptions.server(ssl: options.ssl, handshakeTimeout: nil, shutdownTimeout: nil)
            server = try await loop.makeServer(tls?.serverFactory(factory, loop: loop) ?? factory, sockets: [],
                                               backlog: options.backlog, startServing: false)
        } else {
            server = try await loop.createServer(
                factory, host: options.host, port: options.port, family: options.family, flags: options.flags,
                backlog: options.backlog, ssl: options.ssl, reuseAddress: options.reuseAddress,
                reusePort: role.reusesPort, keepAlive: options.keepAlive)
        }
        if case .acceptor(let others) = role { handOver(from: server, to: others) }
        let addresses = server.sockets.compactMap { try? $0.localAddress }
        let keeper = Task { _ = loop; return await keep(loop, server, accepted, commands, control) }
        return StartedKeeper(keeper: keeper, addresses: addresses)
    }

    /// One loop's part of a group server: carries out the group's commands on the loop's
    /// `Server` until it is closed and its last client gone; returns how many connections
    /// it accepted.
    private static func keep(
        _ loop: isolated EventLoop, _ server: Server, _ accepted: AcceptCount,
        _ commands: AsyncStream<GroupServerCommand>, _ control: AsyncStream<GroupServerCommand>.Continuation
    ) async -> Int {
        var isClosed = false
        var watchingClose = false
        for await command in commands {
            switch command {
            case .adopt(let descriptor, let peer):
                adopt(loop, server, descriptor, peer, isClosed: isClosed)
            case .close:
                isClosed = true
                server.close()
            case .closeClients:
                server.closeClients()
            case .abortClients:
                server.abortClients()
            case .connectionCount(let reply):
                reply.resume(returning: accepted.count)
            case .shutdown(let grace):
                isClosed = true
                server.close()
                if await !closes(loop, server, within: grace) {
                    server.closeClients()
                    // A client whose peer does not read never finishes closing: abort it.
                    if await !closes(loop, server, within: max(grace, .seconds(1))) { server.abortClients() }
                }
            }
            if !watchingClose, isClosed {
                // Closed: the commands end once its last client is gone.
                watchingClose = true
                Task { _ = loop; try? await server.waitClosed(); control.finish() }
            }
        }
        return accepted.count
    }

    /// The round-robin acceptor: loop 0's server keeps every n-th connection and hands the
    /// others, in turn, to the other loops' keepers as descriptors (NIO's child channels).
    private static func handOver(from server: Server, to others: [AsyncStream<GroupServerCommand>.Continuation]) {
        var turn = 0
        server.acceptedSocketHandler = { [unowned server] socket, peer in
            defer { turn = (turn + 1) % (others.count + 1) }
            guard turn > 0 else { return server.startConnection(socket, peer: peer) }
            let descriptor = socket.detach()
            if case .terminated = others[turn - 1].yield(.adopt(descriptor, peer)) {
                Glibc.close(descriptor)  // that loop's server is gone: refuse the connection
            }
        }
    }

    /// A connection handed over by the acceptor, served by this loop's server (closed at
    /// once if the server is closed).
    private static func adopt(
        _ loop: isolated EventLoop, _ server: Server, _ descriptor: Int32, _ peer: SocketAddress, isClosed: Bool
    ) {
        guard !isClosed else {
            Glibc.close(descriptor)
            return
        }
        do {
            server.startConnection(try Socket(adopting: descriptor), peer: peer)
        } catch {
            Glibc.close(descriptor)
            loop.callExceptionHandler(ExceptionContext(
                message: Server.incomingConnectionFailure, error: error, extra: ["peername": "\(peer)"]))
        }
    }

    /// Whether `server` is closed with no client left within `delay`.
    private static func closes(_ loop: isolated EventLoop, _ server: Server, within delay: Duration) async -> Bool {
        (try? await withTimeout(delay) { try await server.waitClosed() }) != nil
    }
}

/// What one loop's server does in a group server.
private enum MemberRole: Sendable {
    /// Listens on the shared address itself (SO_REUSEPORT).
    case listener
    /// Listens alone and hands connections round robin to these loops and itself.
    case acceptor([AsyncStream<GroupServerCommand>.Continuation])
    /// Has no socket; serves the connections the acceptor hands it.
    case fed

    var reusesPort: Bool {
        if case .listener = self { true } else { false }
    }
}

/// Where and how every loop of a group server listens.
private struct ListenOptions: Sendable {
    var host: String?
    var port: Int
    var family: Int32
    var flags: Int32
    var backlog: Int
    var ssl: SSLContext?
    var reuseAddress: Bool?
    var keepAlive: Bool
}

/// A loop's part of a group server, as `listen` gets it back from the loop.
private struct StartedKeeper: Sendable {
    var keeper: Task<Int, Never>
    var addresses: [SocketAddress]
}

/// The connections one loop's part of a group server accepted (that loop's code only).
private final class AcceptCount {
    var count = 0
}
