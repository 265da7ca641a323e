import Glibc

/// The failure of one `connectSocket(to:localAddressInfos:)` attempt: every error it met,
/// in order (failed local binds, then the connect error). asyncio's per-attempt
/// `my_exceptions` list; the last error is the one asyncio re-raises.
struct ConnectAttemptError: Error {
    var errors: [any Error]
}

/// The two steps of `createConnection` that tests replace: name resolution and the
/// connection attempt for one address. Real connections use the loop's `getAddrInfo` and
/// `connectSocket(to:localAddressInfos:)`.
struct ConnectionSteps: Sendable {
    /// Resolves a host and port for `SOCK_STREAM` (asyncio's `_ensure_resolved`).
    typealias Resolve = @Sendable (_ host: String?, _ port: Int?, _ family: Int32, _ proto: Int32, _ flags: Int32)
        async throws -> [AddressInfo]
    /// One attempt, with `connectSocket`'s contract: a connected socket, or
    /// `ConnectAttemptError`; on cancellation it closes what it opened and throws.
    typealias Connect = @Sendable (_ info: AddressInfo, _ localAddressInfos: [AddressInfo]?) async throws -> Socket

    var resolve: Resolve?
    var connect: Connect?

    static let live = ConnectionSteps(resolve: nil, connect: nil)
}

extension EventLoop {
    /// Opens a TCP connection: asyncio's `loop.create_connection(protocol_factory, host,
    /// port, *, ssl, family, proto, flags, sock, local_addr, server_hostname,
    /// ssl_handshake_timeout, ssl_shutdown_timeout, happy_eyeballs_delay, interleave,
    /// all_errors)`.
    ///
    /// **TLS.** With `ssl`, the connection runs TLS (see `SSLTransport`): the call returns
    /// once the handshake is done, and a failed handshake throws its `SSLError` or
    /// `SSLCertVerificationError`; after `sslHandshakeTimeout` (default 60 s) it throws
    /// asyncio's ConnectionAbortedError, an `OSError` `ECONNABORTED` "SSL handshake is
    /// taking longer than 60.0 seconds: aborting the connection". `serverHostname` (default:
    /// `host`) is sent as SNI and checked against the certificate when the context's
    /// `checkHostname` is on. As in asyncio, `serverHostname`, `sslHandshakeTimeout` and
    /// `sslShutdownTimeout` without `ssl` throw `InvalidArgumentError`, and so does `ssl`
    /// with `sock` but no `serverHostname`.
    ///
    /// `host` and `port` are resolved off the loop (a literal IP address skips the
    /// resolver), and so is `localAddress`; each attempt binds to the first local address
    /// of its own family, and fails with "no matching local address with family=… found"
    /// when there is none. `sock` instead wraps an already connected stream socket
    /// (exclusive with host/port). The factory must return a `StreamingProtocol` or a
    /// `BufferedProtocol`. Returns once `connectionMade` ran.
    ///
    /// **Happy Eyeballs (RFC 8305).** With `happyEyeballsDelay` nil (the default, as in
    /// asyncio) the addresses are tried one after another, each until it connects or
    /// fails. With a delay, attempts are staggered (`staggeredRace`): the next address is
    /// tried when the previous attempt fails or the delay has passed, the first socket to
    /// connect wins, and every other attempt is cancelled and its socket closed, even one
    /// that connects after the winner. RFC 8305 recommends 250 ms. `interleave` reorders
    /// the addresses so families alternate (`interleave` addresses of the first family,
    /// then one of each in turn); it defaults to 1 when a delay is given and to no
    /// reordering otherwise.
    ///
    /// The default stays off, unlike Node's (on, 250 ms): this is the asyncio-compatible
    /// API, and with a delay a host whose first address merely answers slowly gets
    /// a second, parallel connection attempt — extra SYNs and sockets that asyncio users
    /// do not expect from `create_connection`. Pass `.milliseconds(250)` for dual-stack
    /// hosts whose IPv6 path may be broken.
    ///
    /// Errors, as asyncio's: host/port and `sock` both or neither given, or a `sock` that
    /// is not a stream socket → `InvalidArgumentError`; an empty resolver answer →
    /// `OSError` "getaddrinfo() returned empty list"; a resolver failure →
    /// `AddressResolutionError`. When every attempt failed: the one error if there was one,
    /// the first if all read the same, else an `OSError` "Multiple exceptions: …" listing
    /// them; with `allErrors: true` (asyncio 3.12's `all_errors`) a
    /// `ConnectionAttemptsError` holding every attempt's errors. Cancellation (e.g. by
    /// `withTimeout`) closes every socket the call opened.
    public func createConnection<P: ConnectionProtocol>(
        _ factory: () throws -> P,
        host: String? = nil, port: Int? = nil, ssl: SSLContext? = nil,
        family: Int32 = AF_UNSPEC, proto: Int32 = 0, flags: Int32 = 0,
        sock: Socket? = nil, localAddress: (host: String, port: Int)? = nil,
        serverHostname: String? = nil,
        sslHandshakeTimeout: Duration? = nil, sslShutdownTimeout: Duration? = nil,
        happyEyeballsDelay: Duration? = nil, interleave: Int? = nil, allErrors: Bool = false
    ) async throws -> (any Transport, P) {
        let tls = try TLSOptions.client(ssl: ssl, serverHostname: serverHostname, host: host,
                                        handshakeTimeout: sslHandshakeTimeout, shutdownTimeout: sslShutdownTimeout)
        return try await createConnection(factory, host: host, port: port, family: family, proto: proto, flags: flags,
                                          sock: sock, localAddress: localAddress, happyEyeballsDelay: happyEyeballsDelay,
                                          interleave: interleave, allErrors: allErrors, steps: .live, tls: tls)
    }

    /// `createConnection` with replaceable resolution and connection steps (tests).
    func createConnection<P: ConnectionProtocol>(
        _ factory: () throws -> P,
        host: String?, port: Int?, family: Int32, proto: Int32, flags: Int32,
        sock: Socket?, localAddress: (host: String, port: Int)?,
        happyEyeballsDelay: Duration?, interleave: Int?, allErrors: Bool,
        steps: ConnectionSteps, tls: TLSOptions? = nil
    ) async throws -> (any Transport, P) {
        assertOnLoopThread()
        let socket: Socket
        if host != nil || port != nil {
            guard sock == nil else {
                throw InvalidArgumentError("host/port and sock can not be specified at the same time")
            }
            socket = try await connectedSocket(
                host: host, port: port, family: family, proto: proto, flags: flags,
                localAddress: localAddress.map { ($0.host, $0.port) },
                happyEyeballsDelay: happyEyeballsDelay, interleave: interleave, allErrors: allErrors, steps: steps)
        } else {
            guard let sock else { throw InvalidArgumentError("host and port was not specified and no sock specified") }
            guard sock.type == Int32(SOCK_STREAM.rawValue) else {
                throw InvalidArgumentError("A Stream Socket was expected, got \(sock)")
            }
            socket = sock
        }
        if let tls { return try await makeTLSConnectionTransport(socket, factory, options: tls) }
        return try await makeConnectionTransport(socket, factory)
    }

    /// The address part of `createConnection`: resolves, then connects one address after
    /// another or in a staggered race, and returns the connected socket.
    func connectedSocket(
        host: String?, port: Int?, family: Int32, proto: Int32, flags: Int32,
        localAddress: (host: String?, port: Int?)?,
        happyEyeballsDelay: Duration?, interleave: Int?, allErrors: Bool,
        steps: ConnectionSteps
    ) async throws -> Socket {
        let resolve: ConnectionSteps.Resolve = steps.resolve ?? { [self] host, port, family, proto, flags in
            try await getAddrInfo(host: host, port: port, family: family, type: Int32(SOCK_STREAM.rawValue),
                                  proto: proto, flags: flags)
        }
        let connect: ConnectionSteps.Connect = steps.connect ?? { [self] info, locals in
            try await connectSocket(to: info, localAddressInfos: locals)
        }
        var infos = try await resolve(host, port, family, proto, flags)
        guard !infos.isEmpty else { throw OSError(errno: 0, message: "getaddrinfo() returned empty list") }
        var localInfos: [AddressInfo]?
        if let localAddress {
            let answers = try await resolve(localAddress.host, localAddress.port, family, proto, flags)
            guard !answers.isEmpty else { throw OSError(errno: 0, message: "getaddrinfo() returned empty list") }
            localInfos = answers
        }
        // Python's `if interleave:` — 0 means no reordering, as does nil without a delay.
        if let count = interleave ?? (happyEyeballsDelay != nil ? 1 : nil), count != 0 {
            infos = interleaveAddressInfos(infos, firstAddressFamilyCount: count)
        }

        var errors: [any Error] = []
        if let happyEyeballsDelay {
            let candidates = infos
            let locals = localInfos
            let race = try await staggeredRace(
                count: candidates.count, delay: happyEyeballsDelay, loop: self,
                discardLoser: { (late: Socket) in late.close() }
            ) { index in
                try await connect(candidates[index], locals)
            }
            if let winner = race.winner { return winner }
            for case let error? in race.errors {
                if let attempt = error as? ConnectAttemptError {
                    errors += attempt.errors
                } else {
                    errors.append(error)
                }
            }
        } else {
            for info in infos {
                do {
                    return try await connect(info, localInfos)
                } catch let failure as ConnectAttemptError {
                    errors += failure.errors
                }
            }
        }
        if allErrors { throw ConnectionAttemptsError(errors: errors) }
        throw Self.combinedConnectError(errors)
    }

    /// Wraps a socket accepted elsewhere in a transport: asyncio's `connect_accepted_socket`.
    public func connectAcceptedSocket<P: ConnectionProtocol>(
        _ factory: () throws -> P, sock: Socket
    ) async throws -> (any Transport, P) {
        assertOnLoopThread()
        guard sock.type == Int32(SOCK_STREAM.rawValue) else {
            throw InvalidArgumentError("A Stream Socket was expected, got \(sock)")
        }
        return try await makeConnectionTransport(sock, factory)
    }

    /// Connects to a Unix-domain stream socket: asyncio's `loop.create_unix_connection`.
    public func createUnixConnection<P: ConnectionProtocol>(
        _ factory: () throws -> P, path: String? = nil, sock: Socket? = nil
    ) async throws -> (any Transport, P) {
        assertOnLoopThread()
        let socket: Socket
        if let path {
            guard sock == nil else { throw InvalidArgumentError("path and sock can not be specified at the same time") }
            let address = try SocketAddress(unixPath: path)
            socket = try Socket(family: AF_UNIX)
            do {
                try await sockConnect(socket, to: address)
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
    private nonisolated(nonsending) func makeConnectionTransport<P: ConnectionProtocol>(
        _ socket: Socket, _ factory: () throws -> P
    ) async throws -> (any Transport, P) {
        let proto: P
        do {
            try socket.setBlocking(false)
            proto = try factory()
            guard StreamReceiver(proto) != nil else {
                throw InvalidArgumentError("\(P.self) is neither a StreamingProtocol nor a BufferedProtocol")
            }
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
                        errors.append(OSError.bindFailure(errno: error.errno, address: local.address))
                    }
                }
                if !bound {
                    if errors.isEmpty {
                        errors.append(OSError(errno: 0, message: "no matching local address with family=\(Self.familyName(info.family)) found"))
                    }
                    socket.close()
                    throw ConnectAttemptError(errors: errors)
                }
            }
            try await sockConnect(socket, to: info.address)
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

    /// `AF_INET6` rather than 10 in messages (asyncio prints the `AddressFamily` member).
    static func familyName(_ family: Int32) -> String {
        switch family {
        case AF_INET: "AF_INET"
        case AF_INET6: "AF_INET6"
        case AF_UNIX: "AF_UNIX"
        default: "\(family)"
        }
    }
}
