import Glibc

extension EventLoop {
    /// Creates a UDP endpoint: asyncio's `loop.create_datagram_endpoint(protocol_factory,
    /// local_addr, remote_addr, *, family, proto, flags, reuse_port, allow_broadcast, sock)`.
    ///
    /// - `localAddress` binds the socket; `remoteAddress` connects it (the transport then
    ///   sends to that peer only, and receives only from it). Both are resolved with
    ///   getaddrinfo (`SOCK_DGRAM`) and paired by family and protocol; each pair is tried
    ///   in order and the first failure is thrown when none works.
    /// - With neither address, `family` must be given (an unbound, unconnected socket).
    /// - `reusePort` sets SO_REUSEPORT; `allowBroadcast` sets SO_BROADCAST and leaves the
    ///   socket unconnected (datagrams still go to `remoteAddress` only). asyncio 3.13
    ///   removed `reuse_address` (SO_REUSEADDR lets another socket steal datagrams); it is
    ///   not offered, and the socket never gets it.
    /// - `sock` uses an existing datagram socket (exclusive with every other keyword).
    ///
    /// `family: AF_UNIX` with no address makes an unbound Unix datagram socket; Unix
    /// endpoints with paths use `createDatagramEndpoint(_:localPath:remotePath:proto:)`
    /// (asyncio passes the paths as `local_addr`/`remote_addr`).
    public func createDatagramEndpoint<P: DatagramProtocol>(
        _ factory: () throws -> P,
        localAddress: (host: String, port: Int)? = nil,
        remoteAddress: (host: String, port: Int)? = nil,
        family: Int32 = 0, proto: Int32 = 0, flags: Int32 = 0,
        reusePort: Bool = false, allowBroadcast: Bool = false,
        sock: Socket? = nil
    ) async throws -> (any DatagramTransport, P) {
        assertOnLoopThread()
        let socket: Socket
        var fixedRemote: SocketAddress?
        if let sock {
            guard sock.type != Int32(SOCK_STREAM.rawValue) else {
                throw InvalidArgumentError("A datagram socket was expected, got \(sock)")
            }
            var problems: [String] = []
            if let localAddress { problems.append("localAddress=('\(localAddress.host)', \(localAddress.port))") }
            if let remoteAddress { problems.append("remoteAddress=('\(remoteAddress.host)', \(remoteAddress.port))") }
            if family != 0 { problems.append("family=\(family)") }
            if proto != 0 { problems.append("proto=\(proto)") }
            if flags != 0 { problems.append("flags=\(flags)") }
            if reusePort { problems.append("reusePort=true") }
            if allowBroadcast { problems.append("allowBroadcast=true") }
            guard problems.isEmpty else {
                throw InvalidArgumentError("socket modifier keyword arguments can not be used "
                                           + "when sock is specified. (\(problems.joined(separator: ", ")))")
            }
            try sock.setBlocking(false)
            socket = sock
        } else {
            guard family != AF_UNIX || (localAddress == nil && remoteAddress == nil) else {
                // asyncio's TypeError('string is expected').
                throw InvalidArgumentError("AF_UNIX endpoints take paths: use createDatagramEndpoint(_:localPath:remotePath:)")
            }
            let pairs = try await datagramAddressPairs(localAddress: localAddress, remoteAddress: remoteAddress,
                                                       family: family, proto: proto, flags: flags)
            (socket, fixedRemote) = try await openDatagramSocket(pairs, reusePort: reusePort, allowBroadcast: allowBroadcast)
        }
        return try await makeDatagramEndpoint(factory, socket: socket, remoteAddress: fixedRemote)
    }

    /// A Unix datagram endpoint: asyncio's `create_datagram_endpoint(factory, local_addr=path,
    /// remote_addr=path, family=AF_UNIX)`. A stale socket file at `localPath` is removed
    /// first (as asyncio does); the file stays after the endpoint closes. Paths starting
    /// with NUL are Linux abstract names.
    public func createDatagramEndpoint<P: DatagramProtocol>(
        _ factory: () throws -> P, localPath: String, remotePath: String? = nil, proto: Int32 = 0
    ) async throws -> (any DatagramTransport, P) {
        try await unixDatagramEndpoint(factory, localPath: localPath, remotePath: remotePath, proto: proto)
    }

    /// A Unix datagram endpoint connected to `remotePath`, on an unbound socket (asyncio's
    /// `create_datagram_endpoint(factory, remote_addr=path, family=AF_UNIX)`).
    public func createDatagramEndpoint<P: DatagramProtocol>(
        _ factory: () throws -> P, remotePath: String, proto: Int32 = 0
    ) async throws -> (any DatagramTransport, P) {
        try await unixDatagramEndpoint(factory, localPath: nil, remotePath: remotePath, proto: proto)
    }

    private func unixDatagramEndpoint<P: DatagramProtocol>(
        _ factory: () throws -> P, localPath: String?, remotePath: String?, proto: Int32
    ) async throws -> (any DatagramTransport, P) {
        assertOnLoopThread()
        let local = try localPath.map { try SocketAddress(unixPath: $0) }
        let remote = try remotePath.map { try SocketAddress(unixPath: $0) }
        if let localPath, localPath.utf8.first != 0,
           let mode = Server.fileMode(localPath), mode & S_IFMT == S_IFSOCK {
            if unlink(localPath) != 0 && errno != ENOENT {
                logger.error("Unable to check or remove stale UNIX socket '\(localPath)': \(OSError(errno: errno, operation: "unlink"))")
            }
        }
        let (socket, fixedRemote) = try await openDatagramSocket([(AF_UNIX, proto, local, remote)],
                                                                 reusePort: false, allowBroadcast: false)
        return try await makeDatagramEndpoint(factory, socket: socket, remoteAddress: fixedRemote)
    }

    /// asyncio's loop over address pairs: a socket per pair, options, bind, connect; the
    /// first that works wins, else the first error is thrown.
    private func openDatagramSocket(
        _ pairs: [(family: Int32, proto: Int32, local: SocketAddress?, remote: SocketAddress?)],
        reusePort: Bool, allowBroadcast: Bool
    ) async throws -> (Socket, SocketAddress?) {
        var fixedRemote: SocketAddress?
        var errors: [OSError] = []
            var opened: Socket?
            for pair in pairs {
                var candidate: Socket?
                do {
                    let attempt = try Socket(family: pair.family, type: Int32(SOCK_DGRAM.rawValue), proto: pair.proto)
                    candidate = attempt
                    if reusePort {
                        try attempt.setOption(level: SOL_SOCKET, name: SO_REUSEPORT, value: 1)
                    }
                    if allowBroadcast {
                        try attempt.setOption(level: SOL_SOCKET, name: SO_BROADCAST, value: 1)
                    }
                    if let local = pair.local { try attempt.bind(local) }
                    if let remote = pair.remote {
                        if !allowBroadcast { try await sockConnect(attempt, to: remote) }
                        fixedRemote = remote
                    }
                    opened = attempt
                    break
                } catch let error as OSError {
                    candidate?.close()
                    fixedRemote = nil
                    errors.append(error)
                } catch {
                    candidate?.close()
                    throw error
                }
            }
            guard let opened else { throw errors[0] }
            return (opened, fixedRemote)
    }

    /// Makes the protocol and the transport, and waits until `connectionMade` ran.
    private nonisolated(nonsending) func makeDatagramEndpoint<P: DatagramProtocol>(
        _ factory: () throws -> P, socket: Socket, remoteAddress fixedRemote: SocketAddress?
    ) async throws -> (any DatagramTransport, P) {
        let proto: P
        do {
            proto = try factory()
        } catch {
            socket.close()
            throw error
        }
        let transport = try await makeTransportAndWait(over: socket) { waiter in
            try DatagramSocketTransport(loop: self, socket: socket, protocol: proto,
                                        remoteAddress: fixedRemote, waiter: waiter)
        }
        if debug { logger.debug("Datagram endpoint created: \(transport)") }
        return (transport, proto)
    }

    /// asyncio's pairing of local and remote addresses: every (family, protocol) that the
    /// addresses resolved to, in order, keeping only those that have each given address.
    private func datagramAddressPairs(
        localAddress: (host: String, port: Int)?, remoteAddress: (host: String, port: Int)?,
        family: Int32, proto: Int32, flags: Int32
    ) async throws -> [(family: Int32, proto: Int32, local: SocketAddress?, remote: SocketAddress?)] {
        guard localAddress != nil || remoteAddress != nil else {
            guard family != 0 else { throw InvalidArgumentError("unexpected address family") }
            return [(family, proto, nil, nil)]
        }
        var pairs: [(family: Int32, proto: Int32, local: SocketAddress?, remote: SocketAddress?)] = []
        for (index, address) in [localAddress, remoteAddress].enumerated() {
            guard let address else { continue }
            let infos = try await getAddrInfo(host: address.host, port: address.port, family: family,
                                              type: Int32(SOCK_DGRAM.rawValue), proto: proto, flags: flags)
            guard !infos.isEmpty else { throw OSError(errno: 0, message: "getaddrinfo() returned empty list") }
            for info in infos {
                let slot: Int
                if let found = pairs.firstIndex(where: { $0.family == info.family && $0.proto == info.proto }) {
                    slot = found
                } else {
                    pairs.append((info.family, info.proto, nil, nil))
                    slot = pairs.count - 1
                }
                // asyncio keeps the last answer per (family, protocol).
                if index == 0 { pairs[slot].local = info.address } else { pairs[slot].remote = info.address }
            }
        }
        let usable = pairs.filter {
            !((localAddress != nil && $0.local == nil) || (remoteAddress != nil && $0.remote == nil))
        }
        guard !usable.isEmpty else { throw InvalidArgumentError("can not get address information") }
        return usable
    }
}
