/// The TLS arguments of `createConnection` and `createServer`, checked as asyncio checks
/// them.
struct TLSOptions {
    var context: SSLContext
    var serverHostname: String?
    var handshakeTimeout: Duration?
    var shutdownTimeout: Duration?

    /// asyncio's argument checks: the TLS-only keywords need `ssl`; a client needs a host
    /// name to verify (`serverHostname`, else `host`).
    static func client(
        ssl: SSLContext?, serverHostname: String?, host: String?,
        handshakeTimeout: Duration?, shutdownTimeout: Duration?
    ) throws -> TLSOptions? {
        guard let ssl else {
            if serverHostname != nil { throw InvalidArgumentError("server_hostname is only meaningful with ssl") }
            try checkTimeoutsNeedSSL(handshakeTimeout, shutdownTimeout)
            return nil
        }
        try checkTimeouts(handshakeTimeout, shutdownTimeout)
        guard let name = serverHostname ?? host else {
            throw InvalidArgumentError("You must set server_hostname when using ssl without a host")
        }
        return TLSOptions(context: ssl, serverHostname: name, handshakeTimeout: handshakeTimeout,
                          shutdownTimeout: shutdownTimeout)
    }

    /// asyncio's checks for `create_server`.
    static func server(ssl: SSLContext?, handshakeTimeout: Duration?, shutdownTimeout: Duration?) throws -> TLSOptions? {
        guard let ssl else {
            try checkTimeoutsNeedSSL(handshakeTimeout, shutdownTimeout)
            return nil
        }
        try checkTimeouts(handshakeTimeout, shutdownTimeout)
        return TLSOptions(context: ssl, handshakeTimeout: handshakeTimeout, shutdownTimeout: shutdownTimeout)
    }

    static func checkTimeoutsNeedSSL(_ handshake: Duration?, _ shutdown: Duration?) throws {
        if handshake != nil { throw InvalidArgumentError("ssl_handshake_timeout is only meaningful with ssl") }
        if shutdown != nil { throw InvalidArgumentError("ssl_shutdown_timeout is only meaningful with ssl") }
    }

    static func checkTimeouts(_ handshake: Duration?, _ shutdown: Duration?) throws {
        if let handshake, handshake <= .zero {
            throw InvalidArgumentError("ssl_handshake_timeout should be a positive number, got \(handshake)")
        }
        if let shutdown, shutdown <= .zero {
            throw InvalidArgumentError("ssl_shutdown_timeout should be a positive number, got \(shutdown)")
        }
    }

    /// Wraps a server's protocol factory so each accepted connection runs TLS.
    func serverFactory(_ factory: @escaping () throws -> any ConnectionProtocol, loop: EventLoop)
        -> () throws -> any ConnectionProtocol
    {
        let options = self
        return { [unowned loop] in
            try SSLProtocol(loop: loop, appProtocol: try factory(), context: options.context, serverSide: true,
                            serverHostname: nil, handshakeTimeout: options.handshakeTimeout,
                            shutdownTimeout: options.shutdownTimeout, isAccepted: true)
        }
    }
}

extension EventLoop {
    /// asyncio's `_create_connection_transport` with `ssl`: the plain transport gets an
    /// `SSLProtocol`, and this returns once the handshake is done and the user's protocol
    /// got `connectionMade`. On failure or cancellation the socket is closed.
    nonisolated(nonsending) func makeTLSConnectionTransport<P: ConnectionProtocol>(
        _ socket: Socket, _ factory: () throws -> P, options: TLSOptions, serverSide: Bool = false
    ) async throws -> (any Transport, P) {
        let proto: P
        let layer: SSLProtocol
        do {
            try socket.setBlocking(false)
            proto = try factory()
            layer = try SSLProtocol(loop: self, appProtocol: proto, context: options.context, serverSide: serverSide,
                                    serverHostname: options.serverHostname,
                                    handshakeTimeout: options.handshakeTimeout, shutdownTimeout: options.shutdownTimeout)
        } catch {
            socket.close()
            throw error
        }
        var transport: StreamTransport?
        do {
            try await suspend { (waiter: LoopWaiter<Void>) in
                layer.waiter = waiter
                transport = try StreamTransport(loop: self, socket: socket, protocol: layer)
            }
        } catch {
            if let transport { transport.close() } else { socket.close() }
            throw error
        }
        return (layer.appTransport ?? SSLTransport(layer: layer), proto)
    }

    /// Upgrades an existing connection to TLS: asyncio's `loop.start_tls(transport,
    /// protocol, sslcontext, *, server_side, server_hostname, ssl_handshake_timeout,
    /// ssl_shutdown_timeout)`. Returns the new transport `protocol` must use from now on;
    /// `protocol` does not get another `connectionMade`. Bytes the peer sent after the
    /// plain part are read by the handshake.
    ///
    /// Throws `InvalidArgumentError` for a transport that is already TLS or is closing;
    /// a failed handshake throws its `SSLError`/`SSLCertVerificationError` (or, after
    /// `sslHandshakeTimeout`, asyncio's ConnectionAbortedError: `OSError` ECONNABORTED,
    /// "SSL handshake is taking longer than 60.0 seconds: aborting the connection") and
    /// closes `transport`.
    public func startTLS(
        _ transport: any Transport, protocol: any BaseProtocol, sslContext: SSLContext,
        serverSide: Bool = false, serverHostname: String? = nil,
        sslHandshakeTimeout: Duration? = nil, sslShutdownTimeout: Duration? = nil
    ) async throws -> any Transport {
        try await upgradeToTLS(transport, protocol: `protocol`, sslContext: sslContext, serverSide: serverSide,
                               serverHostname: serverHostname, sslHandshakeTimeout: sslHandshakeTimeout,
                               sslShutdownTimeout: sslShutdownTimeout)
    }

    /// `startTLS` for the library's loop-thread code (`StreamWriter.startTLS`), which
    /// the compiler does not know as the loop's; runs where its caller runs.
    nonisolated(nonsending) func upgradeToTLS(
        _ transport: any Transport, protocol: any BaseProtocol, sslContext: SSLContext,
        serverSide: Bool, serverHostname: String?,
        sslHandshakeTimeout: Duration?, sslShutdownTimeout: Duration?
    ) async throws -> any Transport {
        assertOnLoopThread()
        guard !(transport is SSLTransport), !transport.isClosing else {
            throw InvalidArgumentError("transport \(transport) is not supported by start_tls()")
        }
        try TLSOptions.checkTimeouts(sslHandshakeTimeout, sslShutdownTimeout)
        let layer = try SSLProtocol(loop: self, appProtocol: `protocol`, context: sslContext, serverSide: serverSide,
                                    serverHostname: serverHostname, handshakeTimeout: sslHandshakeTimeout,
                                    shutdownTimeout: sslShutdownTimeout, callConnectionMade: false)
        // Nothing may reach the old protocol between now and the handshake.
        transport.pauseReading()
        transport.setProtocol(layer)
        var connectionMade: Handle?
        var resume: Handle?
        do {
            try await suspend { (waiter: LoopWaiter<Void>) in
                layer.waiter = waiter
                connectionMade = scheduleSoon { layer.connectionMade(transport) }
                resume = scheduleSoon { transport.resumeReading() }
            }
        } catch {
            connectionMade?.cancel()
            resume?.cancel()
            transport.close()
            throw error
        }
        return layer.appTransport ?? SSLTransport(layer: layer)
    }
}

extension StreamWriter {
    /// Upgrades the connection to TLS: asyncio 3.11's `StreamWriter.start_tls(sslcontext,
    /// *, server_hostname, ssl_handshake_timeout, ssl_shutdown_timeout)`. Drains first;
    /// the writer (and its reader) then use the TLS transport. The side follows the
    /// writer's origin: a `startServer` connection upgrades as the server.
    nonisolated(nonsending) public func startTLS(
        _ sslContext: SSLContext, serverHostname: String? = nil,
        sslHandshakeTimeout: Duration? = nil, sslShutdownTimeout: Duration? = nil
    ) async throws {
        try await drain()
        let upgraded = try await loop.upgradeToTLS(
            transport, protocol: streamProtocol, sslContext: sslContext,
            serverSide: streamProtocol.isServerSide, serverHostname: serverHostname,
            sslHandshakeTimeout: sslHandshakeTimeout, sslShutdownTimeout: sslShutdownTimeout)
        transport = upgraded
        streamProtocol.replaceTransport(upgraded)
    }
}
