import Glibc

extension EventLoop {
    /// Opens a connection and returns its reader and writer: asyncio's
    /// `asyncio.open_connection(host, port, *, limit, **kwds)`. The keywords are those of
    /// `createConnection`; `limit` is the reader's buffer limit.
    public func openConnection(
        host: String? = nil, port: Int? = nil, limit: Int = StreamReader.defaultLimit,
        ssl: SSLContext? = nil,
        family: Int32 = AF_UNSPEC, proto: Int32 = 0, flags: Int32 = 0,
        sock: Socket? = nil, localAddress: (host: String, port: Int)? = nil,
        serverHostname: String? = nil,
        sslHandshakeTimeout: Duration? = nil, sslShutdownTimeout: Duration? = nil,
        happyEyeballsDelay: Duration? = nil, interleave: Int? = nil, allErrors: Bool = false
    ) async throws -> (StreamReader, StreamWriter) {
        // Made here and used only here and by the protocol on this loop; the compiler
        // cannot follow it through the factory closure (Swift 6.3 region analysis).
        nonisolated(unsafe) let reader = try StreamReader(limit: limit, loop: self)
        let (transport, streamProtocol) = try await createConnection(
            { StreamReaderProtocol(reader: reader, loop: self) },
            host: host, port: port, ssl: ssl, family: family, proto: proto, flags: flags,
            sock: sock, localAddress: localAddress, serverHostname: serverHostname,
            sslHandshakeTimeout: sslHandshakeTimeout, sslShutdownTimeout: sslShutdownTimeout,
            happyEyeballsDelay: happyEyeballsDelay, interleave: interleave, allErrors: allErrors)
        return (reader, StreamWriter(transport: transport, protocol: streamProtocol, reader: reader, loop: self))
    }

    /// Starts a server that runs `clientConnected` as a task on this loop for each
    /// connection: asyncio's `asyncio.start_server(client_connected_cb, host, port, *,
    /// limit, **kwds)`. An error the callback throws goes to the exception handler and the
    /// connection is closed. The keywords are those of `createServer`.
    public func startServer(
        host: String? = nil, port: Int? = nil, limit: Int = StreamReader.defaultLimit,
        family: Int32 = AF_UNSPEC, flags: Int32 = AI_PASSIVE,
        sock: Socket? = nil, backlog: Int = 100, ssl: SSLContext? = nil,
        reuseAddress: Bool? = nil, reusePort: Bool = false, keepAlive: Bool = false,
        sslHandshakeTimeout: Duration? = nil, sslShutdownTimeout: Duration? = nil,
        startServing: Bool = true,
        clientConnected: @escaping StreamReaderProtocol.ClientConnected
    ) async throws -> Server {
        try await createServer(
            streamServerFactory(limit: limit, clientConnected),
            host: host, port: port, family: family, flags: flags, sock: sock, backlog: backlog, ssl: ssl,
            reuseAddress: reuseAddress, reusePort: reusePort, keepAlive: keepAlive,
            sslHandshakeTimeout: sslHandshakeTimeout, sslShutdownTimeout: sslShutdownTimeout,
            startServing: startServing)
    }

    /// `startServer` bound on each of `hosts` (asyncio's `host` given as a sequence).
    public func startServer(
        hosts: [String], port: Int? = nil, limit: Int = StreamReader.defaultLimit,
        family: Int32 = AF_UNSPEC, flags: Int32 = AI_PASSIVE, backlog: Int = 100, ssl: SSLContext? = nil,
        reuseAddress: Bool? = nil, reusePort: Bool = false, keepAlive: Bool = false,
        sslHandshakeTimeout: Duration? = nil, sslShutdownTimeout: Duration? = nil,
        startServing: Bool = true,
        clientConnected: @escaping StreamReaderProtocol.ClientConnected
    ) async throws -> Server {
        try await createServer(
            streamServerFactory(limit: limit, clientConnected),
            hosts: hosts, port: port, family: family, flags: flags, backlog: backlog, ssl: ssl,
            reuseAddress: reuseAddress, reusePort: reusePort, keepAlive: keepAlive,
            sslHandshakeTimeout: sslHandshakeTimeout, sslShutdownTimeout: sslShutdownTimeout,
            startServing: startServing)
    }

    /// Connects to a Unix-domain socket and returns its reader and writer: asyncio's
    /// `asyncio.open_unix_connection(path, *, limit, **kwds)`.
    public func openUnixConnection(
        path: String? = nil, limit: Int = StreamReader.defaultLimit, sock: Socket? = nil
    ) async throws -> (StreamReader, StreamWriter) {
        // Made here and used only here and by the protocol on this loop; the compiler
        // cannot follow it through the factory closure (Swift 6.3 region analysis).
        nonisolated(unsafe) let reader = try StreamReader(limit: limit, loop: self)
        let (transport, streamProtocol) = try await createUnixConnection(
            { StreamReaderProtocol(reader: reader, loop: self) }, path: path, sock: sock)
        return (reader, StreamWriter(transport: transport, protocol: streamProtocol, reader: reader, loop: self))
    }

    /// A Unix-domain stream server running `clientConnected` per connection: asyncio's
    /// `asyncio.start_unix_server(client_connected_cb, path, *, limit, **kwds)`.
    public func startUnixServer(
        path: String? = nil, limit: Int = StreamReader.defaultLimit, sock: Socket? = nil,
        backlog: Int = 100, startServing: Bool = true, cleanupSocket: Bool = true,
        clientConnected: @escaping StreamReaderProtocol.ClientConnected
    ) async throws -> Server {
        try await createUnixServer(
            streamServerFactory(limit: limit, clientConnected),
            path: path, sock: sock, backlog: backlog, startServing: startServing, cleanupSocket: cleanupSocket)
    }

    /// The protocol factory of every streams server (the body of asyncio's `start_server`
    /// and `start_unix_server`): a `StreamReaderProtocol` with a fresh reader of `limit`
    /// that runs `clientConnected`, per connection. A bad limit throws here, before
    /// anything binds.
    private func streamServerFactory(
        limit: Int, _ clientConnected: @escaping StreamReaderProtocol.ClientConnected
    ) throws -> () throws -> any ConnectionProtocol {
        _ = try StreamReader(limit: limit, loop: self)
        return { [self] in
            StreamReaderProtocol(reader: try StreamReader(limit: limit, loop: self),
                                 clientConnected: clientConnected, loop: self)
        }
    }
}
