import Glibc

// The `family:`/`type:` keywords of the loop's resolving methods by their Swift names
// (`AddressFamily`, `SocketType`), so `import AsyncIO` alone can ask for IPv6 only.
//
// Each overload forwards to the Int32 form, which holds the behaviour. The typed
// keyword has no default here: a call that leaves it out keeps meaning the Int32 form,
// so no existing call becomes ambiguous.

extension EventLoop {
    /// `getAddrInfo(host:port:family:type:proto:flags:)` with a typed family and an
    /// optional typed socket type (nil: every type, as `type=0`):
    /// `getAddrInfo(host: "localhost", port: 80, family: .inet6, type: .stream)`.
    public func getAddrInfo(
        host: String?, port: Int?, family: AddressFamily, type: SocketType? = nil,
        proto: Int32 = 0, flags: Int32 = 0
    ) async throws -> [AddressInfo] {
        try await getAddrInfo(host: host, port: port, family: family.rawValue, type: type?.rawValue ?? 0,
                              proto: proto, flags: flags)
    }

    /// `getAddrInfo(host:port:family:type:proto:flags:)` for one typed socket type and
    /// every family: `getAddrInfo(host: "localhost", port: 80, type: .datagram)`.
    public func getAddrInfo(
        host: String?, port: Int?, type: SocketType, proto: Int32 = 0, flags: Int32 = 0
    ) async throws -> [AddressInfo] {
        try await getAddrInfo(host: host, port: port, family: AF_UNSPEC, type: type.rawValue,
                              proto: proto, flags: flags)
    }

    /// `createServer(_:host:port:family:…)` with a typed family:
    /// `createServer(factory, host: "::1", port: 0, family: .inet6)`.
    public func createServer(
        _ factory: @escaping () throws -> any ConnectionProtocol,
        host: String? = nil, port: Int? = nil, family: AddressFamily, flags: Int32 = AI_PASSIVE,
        sock: Socket? = nil, backlog: Int = 100, ssl: SSLContext? = nil,
        reuseAddress: Bool? = nil, reusePort: Bool = false, keepAlive: Bool = false,
        sslHandshakeTimeout: Duration? = nil, sslShutdownTimeout: Duration? = nil,
        startServing: Bool = true
    ) async throws -> Server {
        try await createServer(factory, host: host, port: port, family: family.rawValue, flags: flags, sock: sock,
                               backlog: backlog, ssl: ssl, reuseAddress: reuseAddress, reusePort: reusePort,
                               keepAlive: keepAlive, sslHandshakeTimeout: sslHandshakeTimeout,
                               sslShutdownTimeout: sslShutdownTimeout, startServing: startServing)
    }

    /// `createConnection(_:host:port:…family:…)` with a typed family:
    /// `createConnection(factory, host: "localhost", port: 8080, family: .inet)`.
    public func createConnection<P: ConnectionProtocol>(
        _ factory: () throws -> P,
        host: String? = nil, port: Int? = nil, ssl: SSLContext? = nil,
        family: AddressFamily, proto: Int32 = 0, flags: Int32 = 0,
        sock: Socket? = nil, localAddress: (host: String, port: Int)? = nil,
        serverHostname: String? = nil,
        sslHandshakeTimeout: Duration? = nil, sslShutdownTimeout: Duration? = nil,
        happyEyeballsDelay: Duration? = nil, interleave: Int? = nil, allErrors: Bool = false
    ) async throws -> (any Transport, P) {
        try await createConnection(factory, host: host, port: port, ssl: ssl, family: family.rawValue,
                                   proto: proto, flags: flags, sock: sock, localAddress: localAddress,
                                   serverHostname: serverHostname, sslHandshakeTimeout: sslHandshakeTimeout,
                                   sslShutdownTimeout: sslShutdownTimeout, happyEyeballsDelay: happyEyeballsDelay,
                                   interleave: interleave, allErrors: allErrors)
    }

    /// `openConnection(host:port:…family:…)` with a typed family:
    /// `openConnection(host: "localhost", port: 8080, family: .inet6)`.
    public func openConnection(
        host: String? = nil, port: Int? = nil, limit: Int = StreamReader.defaultLimit,
        ssl: SSLContext? = nil,
        family: AddressFamily, proto: Int32 = 0, flags: Int32 = 0,
        sock: Socket? = nil, localAddress: (host: String, port: Int)? = nil,
        serverHostname: String? = nil,
        sslHandshakeTimeout: Duration? = nil, sslShutdownTimeout: Duration? = nil,
        happyEyeballsDelay: Duration? = nil, interleave: Int? = nil, allErrors: Bool = false
    ) async throws -> (StreamReader, StreamWriter) {
        try await openConnection(host: host, port: port, limit: limit, ssl: ssl, family: family.rawValue,
                                 proto: proto, flags: flags, sock: sock, localAddress: localAddress,
                                 serverHostname: serverHostname, sslHandshakeTimeout: sslHandshakeTimeout,
                                 sslShutdownTimeout: sslShutdownTimeout, happyEyeballsDelay: happyEyeballsDelay,
                                 interleave: interleave, allErrors: allErrors)
    }

    /// `startServer(host:port:…family:…)` with a typed family.
    public func startServer(
        host: String? = nil, port: Int? = nil, limit: Int = StreamReader.defaultLimit,
        family: AddressFamily, flags: Int32 = AI_PASSIVE,
        sock: Socket? = nil, backlog: Int = 100, ssl: SSLContext? = nil,
        reuseAddress: Bool? = nil, reusePort: Bool = false, keepAlive: Bool = false,
        sslHandshakeTimeout: Duration? = nil, sslShutdownTimeout: Duration? = nil,
        startServing: Bool = true,
        clientConnected: @escaping StreamReaderProtocol.ClientConnected
    ) async throws -> Server {
        try await startServer(host: host, port: port, limit: limit, family: family.rawValue, flags: flags,
                              sock: sock, backlog: backlog, ssl: ssl, reuseAddress: reuseAddress,
                              reusePort: reusePort, keepAlive: keepAlive, sslHandshakeTimeout: sslHandshakeTimeout,
                              sslShutdownTimeout: sslShutdownTimeout, startServing: startServing,
                              clientConnected: clientConnected)
    }

    /// `createDatagramEndpoint(_:localAddress:remoteAddress:family:…)` with a typed family:
    /// `createDatagramEndpoint(factory, localAddress: ("::1", 0), family: .inet6)`.
    public func createDatagramEndpoint<P: DatagramProtocol>(
        _ factory: () throws -> P,
        localAddress: (host: String, port: Int)? = nil,
        remoteAddress: (host: String, port: Int)? = nil,
        family: AddressFamily, proto: Int32 = 0, flags: Int32 = 0,
        reusePort: Bool = false, allowBroadcast: Bool = false,
        sock: Socket? = nil
    ) async throws -> (any DatagramTransport, P) {
        try await createDatagramEndpoint(factory, localAddress: localAddress, remoteAddress: remoteAddress,
                                         family: family.rawValue, proto: proto, flags: flags, reusePort: reusePort,
                                         allowBroadcast: allowBroadcast, sock: sock)
    }
}

extension AddressInfo {
    /// The family as its Swift name (`family` is the C value).
    public var addressFamily: AddressFamily { AddressFamily(rawValue: family) }

    /// The socket type as its Swift name (`type` is the C value).
    public var socketType: SocketType { SocketType(rawValue: type) }
}
