@testable import AsyncIO
import Glibc
import XCTest

/// close_notify, abort, EOF, flow control, timeouts and STARTTLS over real sockets.
final class TLSLifecycleTests: XCTestCase {
    // CPython: test_sslproto.BaseStartTLS.test_start_tls_client_corrupted_ssl /
    // test_ssl.TestSSL.test_remote_shutdown_receives_trailing_data (close_notify then EOF)
    func testCloseSendsCloseNotifyAndThePeerSeesEOF() {
        runLoopTest { loop, _ in
            let server = try await TLSRecordingServer(loop: loop, context: TLSFixtures.serverContext())
            let (transport, client) = try await loop.createConnection(
                { RecordingProtocol() }, host: "127.0.0.1", port: server.port, ssl: TLSFixtures.clientContext(),
                serverHostname: "localhost")
            let serverSide = try await server.connection(loop)
            transport.write(Array("last words".utf8))
            transport.close()
            transport.close()  // idempotent
            try await waitUntil(loop) { serverSide.isLost && client.isLost }
            XCTAssertEqual(serverSide.received, Array("last words".utf8))
            // The data, then the peer's close_notify as EOF, then a clean loss, once.
            XCTAssertEqual(serverSide.events, [.made, .data, .eof, .lostClean])
            // asyncio's _do_shutdown also tells the closing side of the finished shutdown.
            XCTAssertEqual(client.events, [.made, .eof, .lostClean])
            try await server.close()
        }
    }

    // CPython: test_ssl.TestSSL.test_shutdown_timeout_handler_not_set analogue: abort() drops,
    // and the peer sees a plain EOF, which asyncio treats as end of data (no error).
    func testAbortDropsTheConnectionAndConnectionLostRunsOnce() {
        runLoopTest { loop, _ in
            let server = try await TLSRecordingServer(loop: loop, context: TLSFixtures.serverContext())
            let (transport, client) = try await loop.createConnection(
                { RecordingProtocol() }, host: "127.0.0.1", port: server.port, ssl: TLSFixtures.clientContext(),
                serverHostname: "localhost")
            let serverSide = try await server.connection(loop)
            transport.abort()
            XCTAssertTrue(transport.isClosing)
            XCTAssertEqual(client.events, [.made], "connectionLost must not run inside abort()")
            transport.close()  // after abort: nothing more happens
            try await waitUntil(loop) { serverSide.isLost && client.isLost }
            XCTAssertEqual(client.events, [.made, .lostClean])
            XCTAssertEqual(serverSide.events, [.made, .eof, .lostClean])
            // Writes after the loss are dropped.
            transport.write(Array("late".utf8))
            try await loop.sleep(.milliseconds(5))
            XCTAssertEqual(client.lostCount, 1)
            XCTAssertEqual(serverSide.lostCount, 1)
            try await server.close()
        }
    }

    // CPython: test_sslproto.BaseStartTLS.test_start_tls_slow_client_cancel /
    // test_ssl.TestSSL.test_flush_before_shutdown (flow control of the app transport)
    func testWritingEightMiBToAPeerThatDoesNotReadPausesThenResumes() {
        runLoopTest { loop, _ in
            let server = try await TLSRecordingServer(loop: loop, context: TLSFixtures.serverContext()) { p in
                p.onMade = { $0.pauseReading() }
            }
            let (transport, client) = try await loop.createConnection(
                { RecordingProtocol() }, host: "127.0.0.1", port: server.port, ssl: TLSFixtures.clientContext(),
                serverHostname: "localhost")
            let serverSide = try await server.connection(loop)
            XCTAssertEqual(transport.writeBufferLimits.high, 512 * 1024)
            let chunk = pattern(64 * 1024)
            for _ in 0..<128 { transport.write(chunk) }
            XCTAssertEqual(client.count(.pause), 1)
            XCTAssertGreaterThanOrEqual(transport.writeBufferSize, 512 * 1024)
            // Nothing drains while the peer does not read.
            try await loop.sleep(.milliseconds(20))
            XCTAssertEqual(client.count(.resume), 0)
            XCTAssertEqual(serverSide.received.count, 0)
            // Backpressure on reading: once enough ciphertext waits for the paused app, the
            // server's TLS layer stops reading its socket.
            let serverTLS = try XCTUnwrap(serverSide.transport as? SSLTransport)
            let serverPlain = try XCTUnwrap(serverTLS.layer.transport)
            try await waitUntil(loop) { !serverPlain.isReading }
            serverSide.transport?.resumeReading()
            try await waitUntil(loop, timeout: 30) { serverSide.received.count >= 8 * 1024 * 1024 }
            XCTAssertEqual(serverSide.received.count, 8 * 1024 * 1024)
            XCTAssertTrue(serverSide.received.withUnsafeBufferPointer { all in
                stride(from: 0, to: all.count, by: chunk.count).allSatisfy { Array(all[$0..<$0 + chunk.count]) == chunk }
            })
            try await waitUntil(loop) { client.count(.resume) == 1 }
            XCTAssertEqual(client.events, [.made, .pause, .resume])
            XCTAssertEqual(transport.writeBufferSize, 0)
            transport.close()
            try await waitUntil(loop) { client.isLost && serverSide.isLost }
            try await server.close()
        }
    }

    // CPython: test_ssl.TestSSL.test_create_connection_ssl_slow_handshake and
    // sslproto.SSLProtocol._check_handshake_timeout (ConnectionAbortedError, asyncio's text)
    func testClientHandshakeTimeoutAgainstASilentPeer() {
        runLoopTest { loop, _ in
            try await assertHandshakeTimesOut(loop, seconds: "0.25") { port in
                _ = try await loop.createConnection(
                    { RecordingProtocol() }, host: "127.0.0.1", port: port, ssl: TLSFixtures.clientContext(),
                    serverHostname: "localhost", sslHandshakeTimeout: .milliseconds(250))
            }
        }
    }

    // CPython: test_sslproto.BaseStartTLS.test_create_connection_ssl_slow_handshake (open_connection)
    func testOpenConnectionHandshakeTimeoutAgainstASilentPeer() {
        runLoopTest { loop, _ in
            try await assertHandshakeTimesOut(loop, seconds: "0.5") { port in
                _ = try await loop.openConnection(
                    host: "127.0.0.1", port: port, ssl: TLSFixtures.clientContext(), serverHostname: "localhost",
                    sslHandshakeTimeout: .milliseconds(500))
            }
        }
    }

    // CPython: sslproto.SSLProtocol._check_handshake_timeout (the f-string prints the float
    // timeout: constants.SSL_HANDSHAKE_TIMEOUT 60.0 gives "60.0")
    func testHandshakeTimeoutMessageWritesSecondsAsPythonFloats() {
        XCTAssertEqual(SSLProtocol.handshakeTimeoutMessage(SSLProtocol.defaultHandshakeTimeout),
                       "SSL handshake is taking longer than 60.0 seconds: aborting the connection")
        XCTAssertEqual(SSLProtocol.handshakeTimeoutMessage(.milliseconds(500)),
                       "SSL handshake is taking longer than 0.5 seconds: aborting the connection")
        XCTAssertEqual(SSLProtocol.handshakeTimeoutMessage(.milliseconds(1500)),
                       "SSL handshake is taking longer than 1.5 seconds: aborting the connection")
    }

    // CPython: test_ssl.TestSSL.test_handshake_timeout (server side); without debug mode
    // asyncio's _accept_connection2 reports nothing (the harness checks the exception handler)
    func testServerHandshakeTimeoutClosesASilentClient() {
        runLoopTest { loop, _ in
            let server = try await TLSRecordingServer(loop: loop, context: TLSFixtures.serverContext(),
                                                      handshakeTimeout: .milliseconds(200))
            try await assertServerClosesASilentClientAndKeepsServing(loop, server)
            try await server.close()
        }
    }

    // CPython: selector_events.BaseSelectorEventLoop._accept_connection2: in debug mode a
    // failed handshake of an accepted connection goes to the exception handler, here the
    // ConnectionAbortedError of sslproto.SSLProtocol._check_handshake_timeout
    func testServerHandshakeTimeoutIsReportedInDebugMode() {
        runLoopTest(expectExceptions: true) { loop, recorder in
            loop.debug = true
            let server = try await TLSRecordingServer(loop: loop, context: TLSFixtures.serverContext(),
                                                      handshakeTimeout: .milliseconds(200))
            try await assertServerClosesASilentClientAndKeepsServing(loop, server)
            XCTAssertEqual(recorder.contexts.map(\.message), ["Error on transport creation for incoming connection"])
            let error = recorder.contexts.first?.error as? OSError
            XCTAssertEqual(error?.errno, ECONNABORTED, "\(String(describing: recorder.contexts.first?.error))")
            XCTAssertEqual(error?.message, "SSL handshake is taking longer than 0.2 seconds: aborting the connection")
            try await server.close()
        }
    }

    // CPython: selector_events.BaseSelectorEventLoop._accept_connection2 (debug mode), with
    // the SSLError of sslproto.SSLProtocol._do_handshake for a client that speaks plain text
    func testServerReportsAFailedHandshakeInDebugMode() {
        runLoopTest(expectExceptions: true) { loop, recorder in
            loop.debug = true
            let server = try await TLSRecordingServer(loop: loop, context: TLSFixtures.serverContext())
            let client = try await rawClient(loop, to: SocketAddress(ipv4: "127.0.0.1", port: server.port))
            try await rawSendAll(loop, client, Array("GET / HTTP/1.0\r\n\r\n".utf8))
            let (_, eof) = try await rawRead(loop, client, atLeast: 0, untilEOF: true)
            XCTAssertTrue(eof)
            client.close()
            try await waitUntil(loop) { !recorder.contexts.isEmpty }
            XCTAssertEqual(recorder.contexts.map(\.message), ["Error on transport creation for incoming connection"])
            XCTAssertTrue(recorder.contexts.first?.error is SSLError, "\(String(describing: recorder.contexts.first))")
            try await server.close()
        }
    }

    // CPython: test_sslproto.BaseStartTLS.test_start_tls_client_reg_proto_1 and
    // test_start_tls_server_1 (a plain greeting, then TLS on both ends)
    func testStartTLSUpgradesAPlainConnectionOnBothEnds() {
        runLoopTest { loop, _ in
            let serverContext = try TLSFixtures.serverContext()
            let server = try await loop.startServer(host: "127.0.0.1", port: 0) { reader, writer in
                writer.write(Array("220 ready\n".utf8))
                guard try await reader.readLine() == Array("STARTTLS\n".utf8) else { return writer.close() }
                writer.write(Array("220 go ahead\n".utf8))
                try await writer.startTLS(serverContext)
                let line = try await reader.readLine()
                writer.write(Array("secret: ".utf8) + line)
                try await writer.drain()
                writer.close()
            }
            let port = try XCTUnwrap(server.sockets[0].localAddress.port)
            let (reader, writer) = try await loop.openConnection(host: "127.0.0.1", port: port)
            try await withTimeout(.seconds(10)) {
                let greeting = try await reader.readLine()
                XCTAssertEqual(greeting, Array("220 ready\n".utf8))
                writer.write(Array("STARTTLS\n".utf8))
                let goAhead = try await reader.readLine()
                XCTAssertEqual(goAhead, Array("220 go ahead\n".utf8))
                XCTAssertFalse(writer.transport is SSLTransport)
                try await writer.startTLS(TLSFixtures.clientContext(), serverHostname: "localhost")
                XCTAssertEqual((writer.transport as? SSLTransport)?.peerCertificate?.subject, "CN=localhost")
                writer.write(Array("hello\n".utf8))
                let answer = try await reader.readLine()
                XCTAssertEqual(answer, Array("secret: hello\n".utf8))
                // The server closed with close_notify: EOF.
                let rest = try await reader.read()
                XCTAssertEqual(rest, [])
                XCTAssertTrue(reader.atEOF)
            }
            writer.close()
            try await withTimeout(.seconds(10)) { try await writer.waitClosed() }
            server.close()
            try await withTimeout(.seconds(10)) { try await server.waitClosed() }
        }
    }

    // CPython: test_sslproto.BaseStartTLS.test_start_tls_client_buf_proto_1 (loop.start_tls with protocols)
    func testLoopStartTLSWithProtocolsKeepsTheProtocolAndSkipsConnectionMade() {
        runLoopTest { loop, _ in
            let server = try await TLSRecordingServer(loop: loop, context: TLSFixtures.serverContext())
            // A plain TCP connection to the TLS server, upgraded by the client.
            let (plain, client) = try await loop.createConnection({ RecordingProtocol() }, host: "127.0.0.1",
                                                                  port: server.port)
            let tls = try await loop.startTLS(plain, protocol: client, sslContext: TLSFixtures.clientContext(),
                                              serverHostname: "localhost")
            XCTAssertTrue(tls is SSLTransport)
            XCTAssertTrue(tls.getProtocol() === client)
            XCTAssertEqual(client.events, [.made], "startTLS must not call connectionMade again")
            // Upgrading a TLS transport is refused, as asyncio's TypeError.
            do {
                _ = try await loop.startTLS(tls, protocol: client, sslContext: TLSFixtures.clientContext())
                XCTFail("startTLS accepted a TLS transport")
            } catch is InvalidArgumentError {}
            tls.write(Array("ping".utf8))
            let serverSide = try await server.connection(loop)
            try await waitUntil(loop) { serverSide.received.count == 4 }
            serverSide.transport?.write(Array("pong".utf8))
            try await waitUntil(loop) { client.received.count == 4 }
            XCTAssertEqual(client.received, Array("pong".utf8))
            tls.close()
            try await waitUntil(loop) { client.isLost && serverSide.isLost }
            XCTAssertEqual(client.lostCount, 1)
            try await server.close()
        }
    }
    // CPython: test_ssl.TestSSL.test_shutdown_timeout_handler_not_set / test_sslproto's
    // _check_shutdown_timeout: a peer that never answers close_notify
    func testShutdownTimeoutClosesWhenThePeerNeverAnswersCloseNotify() {
        runLoopTest { loop, _ in
            // The server's app stops reading, so its TLS layer never processes the close_notify.
            let server = try await TLSRecordingServer(loop: loop, context: TLSFixtures.serverContext()) { p in
                p.onMade = { $0.pauseReading() }
            }
            let (transport, client) = try await loop.createConnection(
                { RecordingProtocol() }, host: "127.0.0.1", port: server.port, ssl: TLSFixtures.clientContext(),
                serverHostname: "localhost", sslShutdownTimeout: .milliseconds(200))
            let serverSide = try await server.connection(loop)
            transport.close()
            try await waitUntil(loop) { client.isLost }
            XCTAssertTrue(client.lostError is TimeoutError, "\(String(describing: client.lostError))")
            XCTAssertEqual(client.lostCount, 1)
            serverSide.transport?.abort()
            try await waitUntil(loop) { serverSide.isLost }
            try await server.close()
        }
    }

    // CPython: test_ssl.TestSSL.test_create_connection_ssl_slow_handshake, cancelled by the caller
    func testCancellingCreateConnectionDuringTheHandshakeClosesEverything() {
        runLoopTest { loop, _ in
            let silent = try await RecordingServer(loop: loop, host: "127.0.0.1")
            do {
                try await withTimeout(.milliseconds(100)) {
                    _ = try await loop.createConnection(
                        { RecordingProtocol() }, host: "127.0.0.1", port: silent.address.port,
                        ssl: TLSFixtures.clientContext(), serverHostname: "localhost")
                }
                XCTFail("the handshake with a silent peer succeeded")
            } catch is TimeoutError {}
            let peer = try await silent.connection(loop)
            try await waitUntil(loop) { peer.isLost }
            // The 60-second handshake timer went with the connection: the harness checks no
            // handle is left.
            try await silent.close()
        }
    }
    // A protocol that aborts in connectionMade loses the connection before createConnection
    // returns: it still returns the transport that protocol got (now closed), and the
    // protocol hears connectionLost once.
    // CPython: base_events._create_connection_transport returns the transport that
    // selector_events._make_ssl_transport handed out before awaiting the waiter
    func testConnectionLostRightAfterTheHandshakeReturnsTheProtocolsTransport() {
        runLoopTest { loop, _ in
            let server = try await TLSRecordingServer(loop: loop, context: TLSFixtures.serverContext())
            let (transport, client) = try await loop.createConnection(
                { AbortingInConnectionMade() }, host: "127.0.0.1", port: server.port,
                ssl: TLSFixtures.clientContext(), serverHostname: "localhost")
            let made = try XCTUnwrap(client.made)
            XCTAssertTrue(transport === made, "createConnection returned \(transport), the protocol got \(made)")
            XCTAssertTrue(transport.isClosing)
            try await waitUntil(loop) { client.lostCount == 1 }
            try await loop.runBriefly(3)
            XCTAssertEqual(client.lostCount, 1)
            try await server.close()
        }
    }

    // CPython: test_ssl.TestSSL.test_start_tls_server_1 with a plain-text client
    // (a handshake that fails on garbage is closed quietly, as asyncio's _fatal_error does
    // for ssl.SSLError, an OSError)
    func testServerClosesAClientThatSpeaksPlainTextWithoutReporting() {
        runLoopTest { loop, _ in
            let server = try await TLSRecordingServer(loop: loop, context: TLSFixtures.serverContext())
            let address = try SocketAddress(ipv4: "127.0.0.1", port: server.port)
            let client = try await rawClient(loop, to: address)
            try await rawSendAll(loop, client, Array("GET / HTTP/1.0\r\n\r\n".utf8))
            let (_, eof) = try await rawRead(loop, client, atLeast: 0, untilEOF: true)
            XCTAssertTrue(eof)
            XCTAssertTrue(server.protocols.value.allSatisfy { $0.events.isEmpty })
            client.close()
            try await server.close()
        }
    }
}

/// Connects (`connect` gets the port) to a plain TCP server that accepts and never answers,
/// and checks the handshake fails as asyncio's does: ConnectionAbortedError (here
/// `OSError` ECONNABORTED) with asyncio's text for a timeout of `seconds`, and the plain
/// connection closed (the silent peer got the ClientHello, then EOF).
private func assertHandshakeTimesOut(
    _ loop: isolated EventLoop, seconds: String, file: StaticString = #filePath, line: UInt = #line,
    _ connect: nonisolated(nonsending) @escaping (Int) async throws -> Void
) async throws {
    let silent = try await RecordingServer(loop: loop, host: "127.0.0.1")
    let port = try XCTUnwrap(silent.address.port)
    do {
        try await withTimeout(.seconds(10)) { try await connect(port) }
        XCTFail("the handshake with a silent peer succeeded", file: file, line: line)
    } catch let error as OSError {
        XCTAssertEqual(error.errno, ECONNABORTED, "\(error)", file: file, line: line)
        XCTAssertEqual(error.message, "SSL handshake is taking longer than \(seconds) seconds: aborting the connection",
                       file: file, line: line)
    }
    let peer = try await silent.connection(loop)
    try await waitUntil(loop) { peer.isLost }
    XCTAssertGreaterThan(peer.received.count, 0, file: file, line: line)
    try await silent.close()
}

/// A raw client that connects to `server` and sends nothing is closed once the server's
/// handshake timeout passes, its protocol never hears of it, and the server still
/// completes a handshake with a client that answers.
private func assertServerClosesASilentClientAndKeepsServing(
    _ loop: isolated EventLoop, _ server: TLSRecordingServer, file: StaticString = #filePath, line: UInt = #line
) async throws {
    let silent = try await rawClient(loop, to: SocketAddress(ipv4: "127.0.0.1", port: server.port))
    let (_, eof) = try await rawRead(loop, silent, atLeast: 0, untilEOF: true)
    XCTAssertTrue(eof, file: file, line: line)
    silent.close()
    XCTAssertTrue(server.protocols.value.allSatisfy { $0.events.isEmpty }, file: file, line: line)
    let (transport, client) = try await loop.createConnection(
        { RecordingProtocol() }, host: "127.0.0.1", port: server.port, ssl: TLSFixtures.clientContext(),
        serverHostname: "localhost")
    let serverSide = try await server.connection(loop, 1)
    transport.close()
    try await waitUntil(loop) { client.isLost && serverSide.isLost }
    XCTAssertEqual(client.events, [.made, .eof, .lostClean], file: file, line: line)
}

/// Aborts its transport as soon as it has one.
private final class AbortingInConnectionMade: StreamingProtocol {
    var made: (any Transport)?
    var lostCount = 0
    func connectionMade(_ transport: any Transport) {
        made = transport
        transport.abort()
    }
    func connectionLost(_ error: (any Error)?) { lostCount += 1 }
}
