import Glibc

extension EventLoop {
    /// Creates a TCP server: asyncio's `loop.create_server(protocol_factory, host, port, …)`.
    ///
    /// - `factory` makes one protocol per connection: a `StreamingProtocol` or a
    ///   `BufferedProtocol` (`ConnectionProtocol`), so another kind (a `DatagramProtocol`,
    ///   a factory typed `any BaseProtocol`) does not compile, where asyncio fails when a
    ///   connection arrives. A class that is both reads through `getBuffer`, as asyncio
    ///   checks `BufferedProtocol` first. If the factory throws, that connection is closed
    ///   and the error goes to the exception handler.
    /// - `host` nil or `""` binds every interface (getaddrinfo with `AI_PASSIVE` answers
    ///   both `0.0.0.0` and `::`); see `createServer(_:hosts:…)` for several hosts.
    /// - `sock` serves an existing bound socket instead (exclusive with host/port).
    /// - `reuseAddress` defaults to true (asyncio's default on Unix); `reusePort` sets
    ///   SO_REUSEPORT; `keepAlive` SO_KEEPALIVE; AF_INET6 sockets get IPV6_V6ONLY.
    /// - An address that fails to bind with EADDRNOTAVAIL is skipped (asyncio 3.13);
    ///   other bind errors throw an `OSError` naming the address.
    /// - With `startServing: false`, call `Server.startServing()` or `serveForever()`.
    /// - With `ssl` (a `.server` context with a certificate), every connection runs TLS:
    ///   the protocol gets `connectionMade` with an `SSLTransport` once the handshake is
    ///   done; a connection whose handshake fails or exceeds `sslHandshakeTimeout`
    ///   (default 60 s) is closed without reaching the protocol (asyncio logs it in debug
    ///   mode only). The TLS timeouts without `ssl` throw `InvalidArgumentError`.
    public func createServer(
        _ factory: @escaping () throws -> any ConnectionProtocol,
        host: String? = nil, port: Int? = nil,
        family: Int32 = AF_UNSPEC, flags: Int32 = AI_PASSIVE,
        sock: Socket? = nil, backlog: Int = 100, ssl: SSLContext? = nil,
        reuseAddress: Bool? = nil, reusePort: Bool = false, keepAlive: Bool = false,
        sslHandshakeTimeout: Duration? = nil, sslShutdownTimeout: Duration? = nil,
        startServing: Bool = true
    ) async throws -> Server {
        try await createTCPServer(factory, hosts: Self.serverHosts(host, port: port), port: port, family: family,
                                  flags: flags, sock: sock, backlog: backlog, ssl: ssl, reuseAddress: reuseAddress,
                                  reusePort: reusePort, keepAlive: keepAlive, sslHandshakeTimeout: sslHandshakeTimeout,
                                  sslShutdownTimeout: sslShutdownTimeout, startServing: startServing)
    }


    /// `createServer` bound on each of `hosts` (asyncio's `host` given as a sequence);
    /// the resolved addresses are deduplicated.
    public func createServer(
        _ factory: @escaping () throws -> any ConnectionProtocol,
        hosts: [String], port: Int? = nil,
        family: Int32 = AF_UNSPEC, flags: Int32 = AI_PASSIVE,
        backlog: Int = 100, ssl: SSLContext? = nil,
        reuseAddress: Bool? = nil, reusePort: Bool = false, keepAlive: Bool = false,
        sslHandshakeTimeout: Duration? = nil, sslShutdownTimeout: Duration? = nil,
        startServing: Bool = true
    ) async throws -> Server {
        try await createTCPServer(factory, hosts: Self.serverHosts(hosts), port: port, family: family, flags: flags,
                                  sock: nil, backlog: backlog, ssl: ssl, reuseAddress: reuseAddress,
                                  reusePort: reusePort, keepAlive: keepAlive, sslHandshakeTimeout: sslHandshakeTimeout,
                                  sslShutdownTimeout: sslShutdownTimeout, startServing: startServing)
    }


    /// The hosts to bind for `host`: none when neither host nor port is given (serve
    /// `sock`), else the one host, `""` meaning every interface as nil does.
    private static func serverHosts(_ host: String?, port: Int?) -> [String?]? {
        host == nil && port == nil ? nil : serverHosts([host ?? ""])
    }

    /// The hosts to bind for a host list, `""` meaning every interface.
    private static func serverHosts(_ hosts: [String]) -> [String?] {
        hosts.map { $0 == "" ? nil : $0 }
    }

    /// What both `createServer` forms do: the TLS layer when asked, then resolve, bind and
    /// serve.
    private func createTCPServer(
        _ factory: @escaping () throws -> any ConnectionProtocol,
        hosts: [String?]?, port: Int?, family: Int32, flags: Int32, sock: Socket?, backlog: Int,
        ssl: SSLContext?, reuseAddress: Bool?, reusePort: Bool, keepAlive: Bool,
        sslHandshakeTimeout: Duration?, sslShutdownTimeout: Duration?, startServing: Bool
    ) async throws -> Server {
        assertOnLoopThread()
        var factory = factory
        if let tls = try TLSOptions.server(ssl: ssl, handshakeTimeout: sslHandshakeTimeout,
                                           shutdownTimeout: sslShutdownTimeout) {
            factory = tls.serverFactory(factory, loop: self)
        }
        var sockets: [Socket] = []
        if let hosts {
            guard sock == nil else {
                throw InvalidArgumentError("host/port and sock can not be specified at the same time")
            }
            var infos: [AddressInfo] = []
            var seen = Set<AddressInfo>()
            for host in hosts {
                let answers = try await getAddrInfo(host: host, port: port ?? 0, family: family,
                                                    type: Int32(SOCK_STREAM.rawValue), flags: flags)
                guard !answers.isEmpty else {
                    throw OSError(errno: 0, message: "getaddrinfo(\(host.map { "'\($0)'" } ?? "None")) returned empty list")
                }
                for info in answers where seen.insert(info).inserted { infos.append(info) }
            }
            var completed = false
            defer { if !completed { for socket in sockets { socket.close() } } }
            for info in infos {
                guard let socket = try? Socket(family: info.family, type: info.type, proto: info.proto) else {
                    continue // asyncio: a family/type/protocol this host does not support
                }
                sockets.append(socket)
                try configureListener(socket, family: info.family, reuseAddress: reuseAddress ?? true,
                                      reusePort: reusePort, keepAlive: keepAlive)
                do {
                    try socket.bind(info.address)
                } catch {
                    let failure = OSError.bindFailure(errno: error.errno, address: info.address)
                    if error.errno == EADDRNOTAVAIL {
                        // asyncio (bpo-30945): assume the family is not enabled here.
                        sockets.removeLast().close()
                        if debug { logger.warning("\(failure.message)") }
                        continue
                    }
                    throw failure
                }
            }
            guard !sockets.isEmpty else {
                throw OSError(errno: EADDRNOTAVAIL,
                              message: "could not bind on any address out of \(infos.map(\.address))")
            }
            completed = true
        } else {
            guard let sock else { throw InvalidArgumentError("Neither host/port nor sock were specified") }
            guard sock.type == Int32(SOCK_STREAM.rawValue) else {
                throw InvalidArgumentError("A Stream Socket was expected, got \(sock)")
            }
            try sock.setBlocking(false)
            sockets = [sock]
        }
        return try await makeServer(factory, sockets: sockets, backlog: backlog, startServing: startServing)
    }

    func makeServer(
        _ factory: @escaping () throws -> any ConnectionProtocol, sockets: [Socket], backlog: Int,
        startServing: Bool, unixCleanup: [Int32: (path: String, inode: UInt64)] = [:]
    ) async throws -> Server {
        let server = Server(loop: self, sockets: sockets, factory: factory, backlog: backlog, unixCleanup: unixCleanup)
        if startServing {
            do {
                try server.beginServing()
            } catch {
                server.close()
                throw error
            }
            // asyncio skips one loop iteration so the readers are registered.
            await Task.yield()
        }
        return server
    }

    private nonisolated func configureListener(_ socket: Socket, family: Int32, reuseAddress: Bool,
                                   reusePort: Bool, keepAlive: Bool) throws(OSError) {
        if reuseAddress { try socket.setOption(level: SOL_SOCKET, name: SO_REUSEADDR, value: 1) }
        if reusePort, family == AF_INET || family == AF_INET6 {
            try socket.setOption(level: SOL_SOCKET, name: SO_REUSEPORT, value: 1)
        }
        if keepAlive { try socket.setOption(level: SOL_SOCKET, name: SO_KEEPALIVE, value: 1) }
        // Linux listens on both families from one AF_INET6 socket unless told not to;
        // asyncio binds one socket per family instead.
        if family == AF_INET6 { try socket.setOption(level: Int32(IPPROTO_IPV6), name: IPV6_V6ONLY, value: 1) }
    }
}
