import Glibc

/// The failure of one `connectSocket(to:localAddressInfos:)` attempt: every error it met,
/// in order (failed local binds, then the connect error). asyncio's per-attempt
/// `my_exceptions` list; the last error is the one asyncio re-raises.
struct ConnectAttemptError: Error {
    var errors: [any Error]
}

extension EventLoop {
    /// Opens a TCP connection: asyncio's `loop.create_connection(protocol_factory, host,
    /// port, *, family, proto, flags, sock, local_addr)`, without TLS and Happy Eyeballs.
    ///
    /// The addresses `getAddrInfo` returns are tried one after another; when all fail,
    /// the error is asyncio's: the single error, the first one if all read the same, else
    /// an `OSError` "Multiple exceptions: …". `sock` wraps an already connected socket
    /// (exclusive with host/port). `localAddress` is resolved and bound first (same
    /// family as the remote address). The factory must return a `StreamingProtocol` or
    /// a `BufferedProtocol`. Returns once `connectionMade` ran.
    public func createConnection<P: BaseProtocol>(
        _ factory: () throws -> P,
        host: String? = nil, port: Int? = nil,
        family: Int32 = AF_UNSPEC, proto: Int32 = 0, flags: Int32 = 0,
        sock: Socket? = nil, localAddress: (host: String, port: Int)? = nil
    ) async throws -> (any Transport, P) {
        assertOnLoopThread()
        let socket: Socket
        if host != nil || port != nil {
            guard sock == nil else {
                throw InvalidArgumentError("host/port and sock can not be specified at the same time")
            }
            let stream = Int32(SOCK_STREAM.rawValue)
            let infos = try await getAddrInfo(host: host, port: port, family: family, type: stream,
                                              proto: proto, flags: flags)
            guard !infos.isEmpty else { throw OSError(errno: 0, message: "getaddrinfo() returned empty list") }
            var localInfos: [AddressInfo]?
            if let localAddress {
                localInfos = try await getAddrInfo(host: localAddress.host, port: localAddress.port,
                                                   family: family, type: stream, proto: proto, flags: flags)
                guard !localInfos!.isEmpty else {
                    throw OSError(errno: 0, message: "getaddrinfo() returned empty list")
                }
            }
            var errors: [any Error] = []
            var connected: Socket?
            for info in infos {
                do {
                    connected = try await connectSocket(to: info, localAddressInfos: localInfos)
                    break
                } catch let failure as ConnectAttemptError {
                    errors += failure.errors
                }
            }
            guard let connected else { throw Self.combinedConnectError(errors) }
            socket = connected
        } else {
            guard let sock else { throw InvalidArgumentError("host and port was not specified and no sock specified") }
            guard sock.type == Int32(SOCK_STREAM.rawValue) else {
                throw InvalidArgumentError("A Stream Socket was expected, got \(sock)")
            }
            socket = sock
        }
        return try await makeConnectionTransport(socket, factory)
    }

    /// Wraps a socket accepted elsewhere in a transport: asyncio's `connect_accepted_socket`.
    public func connectAcceptedSocket<P: BaseProtocol>(
        _ factory: () throws -> P, sock: Socket
    ) async throws -> (any Transport, P) {
        assertOnLoopThread()
        guard sock.type == Int32(SOCK_STREAM.rawValue) else {
            throw InvalidArgumentError("A Stream Socket was expected, got \(sock)")
        }
        return try await makeConnectionTransport(sock, factory)
    }

    /// Connects to a Unix-domain stream socket: asyncio's `loop.create_unix_connection`.
    public func createUnixConnection<P: BaseProtocol>(
        _ factory: () throws -> P, path: String? = nil, sock: Socket? = nil
    ) async throws -> (any Transport, P) {
        assertOnLoopThread()
        let socket: Socket
        if let path {
            guard sock == nil else { throw InvalidArgumentError("path and sock can not be specified at the same time") }
            let address = try SocketAddress(unixPath: path)
            socket = try Socket(family: AF_UNIX)
            do {
                try await connect(socket, to: address)
            } catch {
                socket.close()
                throw error
            }
        } else {
            guard let sock else { throw InvalidArgumentError("no path and sock were specified") }
            guard sock.family == AF_UNIX, sock.type == Int32(SOCK_STREAM.rawValue) else {
                throw InvalidArgumentError("A UNIX Domain Stream Socket was expected, got \(sock)")
            }
            socket = sock
        }
        return try await makeConnectionTransport(socket, factory)
    }

    /// asyncio's `_create_connection_transport`: the protocol, the transport, and a wait
    /// until `connectionMade` ran; on failure the socket or transport is closed.
    private func makeConnectionTransport<P: BaseProtocol>(
        _ socket: Socket, _ factory: () throws -> P
    ) async throws -> (any Transport, P) {
        let proto: P
        do {
            try socket.setBlocking(false)
            proto = try factory()
        } catch {
            socket.close()
            throw error
        }
        var transport: StreamTransport?
        do {
            try await suspend { (waiter: LoopWaiter<Void>) in
                transport = try StreamTransport(loop: self, socket: socket, protocol: proto, waiter: waiter)
            }
        } catch {
            if let transport { transport.close() } else { socket.close() }
            throw error
        }
        return (transport!, proto)
    }

    /// One connection attempt, asyncio's `_connect_sock`: a socket of the address's
    /// family, bound to the first local address of that family that binds (when
    /// `localAddressInfos` is given), connected without blocking.
    ///
    /// Returns the connected non-blocking socket. Throws `ConnectAttemptError` with every
    /// error of the attempt (the socket is closed), or `CancellationError` if the task
    /// was cancelled (the socket is closed). Happy Eyeballs races these.
    func connectSocket(to info: AddressInfo, localAddressInfos: [AddressInfo]?) async throws -> Socket {
        var errors: [any Error] = []
        let socket: Socket
        do {
            socket = try Socket(family: info.family, type: info.type, proto: info.proto)
        } catch {
            throw ConnectAttemptError(errors: [error])
        }
        do {
            if let localAddressInfos {
                var bound = false
                for local in localAddressInfos where local.family == info.family {
                    do {
                        try socket.bind(local.address)
                        bound = true
                        break
                    } catch {
                        errors.append(OSError(errno: error.errno, message:
                            "error while attempting to bind on address \(local.address): \(OSError.strerror(error.errno).lowercased())"))
                    }
                }
                if !bound {
                    if errors.isEmpty {
                        errors.append(OSError(errno: 0, message: "no matching local address with family=\(info.family) found"))
                    }
                    socket.close()
                    throw ConnectAttemptError(errors: errors)
                }
            }
            try await connect(socket, to: info.address)
            return socket
        } catch let failure as ConnectAttemptError {
            throw failure
        } catch let error as OSError {
            socket.close()
            errors.append(error)
            throw ConnectAttemptError(errors: errors)
        } catch {
            socket.close()
            throw error
        }
    }

    /// A non-blocking connect of `socket`, waiting for writability when it is in
    /// progress (asyncio's `sock_connect`). Throws `OSError` "Connect call failed …".
    func connect(_ socket: Socket, to address: SocketAddress) async throws {
        if try socket.tryConnect(address) { return }
        // libuv reports a failed connect (EPOLLERR) as UV_EBADF: SO_ERROR has the cause.
        let status = try await suspend { (waiter: LoopWaiter<Int32>) in
            let watch = try UVSocketWatch(loop: uv, descriptor: socket.fileno, label: "connect \(address)")
            watch.start(.writable) { status in
                watch.close()
                waiter.resume(returning: status)
            }
            waiter.onCancel = { watch.close() }
        }
        let pending = socket.pendingError
        if pending != 0 || status < 0 {
            throw OSError(errno: pending != 0 ? pending : -status, message: "Connect call failed \(address)")
        }
    }

    /// asyncio's choice of the error to raise when every address failed.
    static func combinedConnectError(_ errors: [any Error]) -> any Error {
        guard let first = errors.first else {
            return OSError(errno: 0, message: "create_connection failed with no error")
        }
        if errors.count == 1 { return first }
        let model = "\(first)"
        if errors.allSatisfy({ "\($0)" == model }) { return first }
        return OSError(errno: 0, message: "Multiple exceptions: " + errors.map { "\($0)" }.joined(separator: ", "))
    }
}
