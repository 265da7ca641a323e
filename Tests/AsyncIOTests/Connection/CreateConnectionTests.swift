@testable import AsyncIO
import Glibc
import XCTest

/// `createConnection`'s arguments, errors and addresses, ported from CPython's
/// test_base_events create_connection tests, over real sockets where the kernel can
/// produce the failure.
final class CreateConnectionTests: XCTestCase {
    private static func connect(
        _ loop: isolated EventLoop, host: String = "example.com", port: Int = 80, family: Int32 = AF_UNSPEC,
        localAddress: (host: String, port: Int)? = nil, delay: Duration? = nil, allErrors: Bool = false,
        steps: ConnectionSteps
    ) async throws -> Box<(any Transport, RecordingProtocol)> {
        Box(try await loop.createConnection(
            { RecordingProtocol() }, host: host, port: port, family: family, proto: 0, flags: 0, sock: nil,
            localAddress: localAddress, happyEyeballsDelay: delay, interleave: nil, allErrors: allErrors, steps: steps))
    }

    // CPython: test_base_events.BaseEventLoopWithSelectorTests.test_create_connection_no_host_port_sock
    func testNoHostPortNoSock() {
        runLoopTest { loop, _ in
            let error = (await thrownError {
                _ = try await loop.createConnection({ RecordingProtocol() })
            }) as? InvalidArgumentError
            XCTAssertEqual(error?.message, "host and port was not specified and no sock specified")
        }
    }

    // CPython: test_base_events.BaseEventLoopWithSelectorTests.test_create_connection_host_port_sock
    func testHostPortAndSock() {
        runLoopTest { loop, _ in
            let sock = try Socket(family: AF_INET)
            let error = (await thrownError {
                _ = try await loop.createConnection({ RecordingProtocol() }, host: "127.0.0.1", port: 80, sock: sock)
            }) as? InvalidArgumentError
            XCTAssertEqual(error?.message, "host/port and sock can not be specified at the same time")
            XCTAssertFalse(sock.isClosed) // still the caller's
            sock.close()
        }
    }

    // CPython: test_base_events.BaseEventLoopWithSelectorTests.test_create_connection_wrong_sock
    func testWrongSock() {
        runLoopTest { loop, _ in
            let sock = try Socket(family: AF_INET, type: Int32(SOCK_DGRAM.rawValue))
            let error = (await thrownError {
                _ = try await loop.createConnection({ RecordingProtocol() }, sock: sock)
            }) as? InvalidArgumentError
            XCTAssertTrue(error?.message.hasPrefix("A Stream Socket was expected, got <Socket") == true, "\(String(describing: error))")
            sock.close()
        }
    }

    // CPython: test_base_events.BaseEventLoopWithSelectorTests.test_create_connection_no_getaddrinfo
    // and test_create_connection_no_local_addr (the local address resolves to nothing)
    func testEmptyResolverAnswer() {
        runLoopTest { loop, _ in
            let steps = ConnectionSteps(resolve: tableResolver(["example.com": [streamInfo("127.0.0.1", 80)]]), connect: nil)
            for (host, local) in [("nowhere.test", nil), ("example.com", ("nowhere.test", 8080))] as [(String, (host: String, port: Int)?)] {
                let error = (await thrownError {
                    _ = try await CreateConnectionTests.connect(loop, host: host, localAddress: local, steps: steps)
                }) as? OSError
                XCTAssertEqual(error?.message, "getaddrinfo() returned empty list")
            }
        }
    }

    // A literal IP address is not sent to the resolver.
    // CPython: test_base_events.BaseEventLoopWithSelectorTests.test_create_connection_ip_addr
    func testLiteralAddressSkipsTheResolver() {
        runLoopTest { loop, _ in
            let server = try await RecordingServer(loop: loop, host: "127.0.0.1")
            let requests = loop.resolverRequestCount
            let (transport, client) = try await loop.createConnection({ RecordingProtocol() }, host: "127.0.0.1",
                                                                       port: server.address.port!)
            XCTAssertEqual(loop.resolverRequestCount, requests)
            XCTAssertEqual(transport.peerName, server.address)
            transport.close()
            try await waitUntil(loop) { client.isLost }
            try await server.close()
        }
    }

    // One address, refused: that error; with allErrors, a group of one.
    // CPython: test_base_events.BaseEventLoopWithSelectorTests.test_create_connection_connect_err
    func testConnectError() {
        runLoopTest { loop, _ in
            let baseline = openDescriptorCount()
            let port = try closedPort()
            let error = (await thrownError {
                _ = try await loop.createConnection({ RecordingProtocol() }, host: "127.0.0.1", port: port)
            }) as? OSError
            XCTAssertEqual(error?.errno, ECONNREFUSED)
            XCTAssertEqual(error?.message, "Connect call failed ('127.0.0.1', \(port))")
            let group = (await thrownError {
                _ = try await loop.createConnection({ RecordingProtocol() }, host: "127.0.0.1", port: port, allErrors: true)
            }) as? ConnectionAttemptsError
            XCTAssertEqual(group?.errors.count, 1)
            XCTAssertEqual((group?.errors.first as? OSError)?.errno, ECONNREFUSED)
            XCTAssertEqual(openDescriptorCount(), baseline)
        }
    }

    // Two addresses, both refused with different messages: "Multiple exceptions: …";
    // the same message twice: that error. With and without Happy Eyeballs.
    // CPython: test_base_events.BaseEventLoopWithSelectorTests.test_create_connection_multiple
    func testMultipleAddressesRefused() {
        runLoopTest { loop, _ in
            let baseline = openDescriptorCount()
            let port = try closedPort()
            let steps = ConnectionSteps(resolve: tableResolver([
                "two.test": [streamInfo("127.0.0.1", port), streamInfo("127.0.0.2", port)],
                "same.test": [streamInfo("127.0.0.1", port), streamInfo("127.0.0.1", port)],
            ]), connect: nil)
            for delay in [nil, Duration.milliseconds(50)] {
                let error = (await thrownError {
                    _ = try await CreateConnectionTests.connect(loop, host: "two.test", family: AF_INET, delay: delay, steps: steps)
                }) as? OSError
                XCTAssertEqual(error?.message, "Multiple exceptions: [Errno \(ECONNREFUSED)] Connect call failed ('127.0.0.1', \(port)), "
                               + "[Errno \(ECONNREFUSED)] Connect call failed ('127.0.0.2', \(port))")
                let group = (await thrownError {
                    _ = try await CreateConnectionTests.connect(loop, host: "two.test", family: AF_INET, delay: delay, allErrors: true, steps: steps)
                }) as? ConnectionAttemptsError
                XCTAssertEqual(group?.errors.map { ($0 as? OSError)?.errno }, [ECONNREFUSED, ECONNREFUSED])
                let same = (await thrownError {
                    _ = try await CreateConnectionTests.connect(loop, host: "same.test", delay: delay, steps: steps)
                }) as? OSError
                XCTAssertEqual(same?.message, "Connect call failed ('127.0.0.1', \(port))")
            }
            XCTAssertEqual(openDescriptorCount(), baseline)
        }
    }

    // Socket creation fails for both addresses: both errors are combined.
    // CPython: test_base_events.BaseEventLoopWithSelectorTests.test_create_connection_multiple_errors
    func testMultipleErrors() {
        runLoopTest { loop, _ in
            let failures = [OSError(errno: EMFILE, message: "err1"), OSError(errno: ENFILE, message: "err2")]
            let index = Box(0)
            let steps = ConnectionSteps(
                resolve: tableResolver(["example.com": [streamInfo("107.6.106.82", 80), streamInfo("107.6.106.82", 80)]]),
                connect: { _, _ in
                    defer { index.value += 1 }
                    throw ConnectAttemptError(errors: [failures[index.value % 2]])
                })
            let error = (await thrownError { _ = try await CreateConnectionTests.connect(loop, steps: steps) }) as? OSError
            XCTAssertEqual(error?.message, "Multiple exceptions: [Errno \(EMFILE)] err1, [Errno \(ENFILE)] err2")
            index.value = 0
            let group = (await thrownError {
                _ = try await CreateConnectionTests.connect(loop, allErrors: true, steps: steps)
            }) as? ConnectionAttemptsError
            XCTAssertEqual(group?.errors.compactMap { $0 as? OSError }, failures)
            XCTAssertEqual(group?.description, "create_connection failed (2 sub-exceptions): [Errno \(EMFILE)] err1; [Errno \(ENFILE)] err2")
        }
    }

    // Each attempt tries the local addresses of its family in order: a failed bind is
    // recorded and the next one tried; every error of every attempt is reported.
    // CPython: test_base_events.BaseEventLoopWithSelectorTests.test_create_connection_multiple_errors_local_addr
    func testMultipleErrorsWithLocalAddress() {
        runLoopTest { loop, _ in
            let busy = try Socket(family: AF_INET)
            try busy.bind(SocketAddress(ipv4: "127.0.0.1", port: 0))
            try busy.listen()
            let busyPort = try busy.localAddress.port!
            let port = try closedPort()
            let baseline = openDescriptorCount()
            let steps = ConnectionSteps(resolve: tableResolver([
                "example.com": [streamInfo("127.0.0.1", port), streamInfo("127.0.0.2", port)],
                "local.test": [streamInfo("127.0.0.1", busyPort), streamInfo("127.0.0.1", 0)],
            ]), connect: nil)
            let error = (await thrownError {
                _ = try await CreateConnectionTests.connect(loop, family: AF_INET, localAddress: ("local.test", 0), steps: steps)
            }) as? OSError
            XCTAssertTrue(error?.message.hasPrefix("Multiple exceptions: ") == true, "\(String(describing: error))")
            let group = (await thrownError {
                _ = try await CreateConnectionTests.connect(loop, family: AF_INET, localAddress: ("local.test", 0), allErrors: true, steps: steps)
            }) as? ConnectionAttemptsError
            let errors = group?.errors.compactMap { $0 as? OSError } ?? []
            XCTAssertEqual(errors.map(\.errno), [EADDRINUSE, ECONNREFUSED, EADDRINUSE, ECONNREFUSED])
            XCTAssertEqual(errors.first?.message,
                           "error while attempting to bind on address ('127.0.0.1', \(busyPort)): [errno \(EADDRINUSE)] address already in use")
            XCTAssertEqual(openDescriptorCount(), baseline) // every attempt's socket was closed
            busy.close()
        }
    }

    // Local addresses of another family are skipped; an attempt with none of its family
    // fails with asyncio's message, and the next address (of the right family) connects.
    // CPython: base_events._connect_sock ("no matching local address with family=… found")
    func testLocalAddressOfAnotherFamilyIsSkipped() throws {
        guard (try? Socket(family: AF_INET6))?.fileno ?? -1 >= 0 else { throw XCTSkip("no IPv6 sockets") }
        runLoopTest { loop, _ in
            let server = try await RecordingServer(loop: loop, host: "127.0.0.1")
            let v6Port = try closedPort(hasIPv6Loopback ? "::1" : "127.0.0.1")
            let steps = ConnectionSteps(resolve: tableResolver([
                "v6.test": [streamInfo("::1", v6Port)],
                "dual.test": [streamInfo("::1", v6Port), streamInfo("127.0.0.1", server.address.port!)],
                "local.test": [streamInfo("127.0.0.1", 0)],
            ]), connect: nil)
            let error = (await thrownError {
                _ = try await CreateConnectionTests.connect(loop, host: "v6.test", localAddress: ("local.test", 0), steps: steps)
            }) as? OSError
            XCTAssertEqual(error?.message, "no matching local address with family=AF_INET6 found")
            let (transport, client) = try await CreateConnectionTests.connect(loop, host: "dual.test", localAddress: ("local.test", 0), steps: steps).value
            XCTAssertEqual(transport.peerName, server.address)
            XCTAssertEqual(transport.sockName?.family, AF_INET)
            transport.close()
            try await waitUntil(loop) { client.isLost }
            try await server.close()
        }
    }

    // localAddress is resolved and bound before connecting.
    // CPython: test_events.EventLoopTestsMixin.test_create_connection_local_addr
    func testLocalAddressIsBound() {
        runLoopTest { loop, _ in
            let server = try await RecordingServer(loop: loop, host: "127.0.0.1")
            let localPort = try closedPort()
            let (transport, client) = try await loop.createConnection(
                { RecordingProtocol() }, host: "127.0.0.1", port: server.address.port!,
                localAddress: (host: "127.0.0.1", port: localPort))
            XCTAssertEqual(transport.sockName, try SocketAddress(ipv4: "127.0.0.1", port: localPort))
            transport.close()
            try await waitUntil(loop) { client.isLost }
            try await server.close()
        }
    }

    // "localhost" reaches a server listening on only one of the families, with and
    // without Happy Eyeballs: the other family's refusal moves on to the next address.
    func testLocalhostReachesEitherFamily() {
        runLoopTest { loop, _ in
            let answers = try await loop.getAddrInfo(host: "localhost", port: 0, type: Int32(SOCK_STREAM.rawValue))
            var hosts = ["127.0.0.1"]
            if hasIPv6Loopback, answers.contains(where: { $0.family == AF_INET6 }) { hosts.append("::1") }
            let baseline = openDescriptorCount()
            for host in hosts {
                let server = try await RecordingServer(loop: loop, host: host)
                for delay in [nil, Duration.milliseconds(250)] {
                    let (transport, client) = try await withTimeout(.seconds(10)) {
                        Box(try await loop.createConnection({ RecordingProtocol() }, host: "localhost",
                                                            port: server.address.port!, happyEyeballsDelay: delay))
                    }.value
                    XCTAssertEqual(transport.peerName, server.address, "server on \(host), delay \(String(describing: delay))")
                    transport.close()
                    try await waitUntil(loop) { client.isLost }
                }
                try await server.close()
            }
            if hosts.count == 1 { print("note: localhost has no IPv6 answer here; the resolver-override test covers ::1") }
            try await waitForDescriptors(loop, baseline)
        }
    }

    // The same with the answer a dual-stack /etc/hosts gives for localhost (::1, then
    // 127.0.0.1), for machines whose /etc/hosts lists only 127.0.0.1: a server on either
    // family alone is reached, whichever address answers.
    func testDualStackLocalhostAnswerReachesEitherFamily() throws {
        guard hasIPv6Loopback else { throw XCTSkip("no ::1 on this machine") }
        runLoopTest { loop, _ in
            let baseline = openDescriptorCount()
            for host in ["127.0.0.1", "::1"] {
                let server = try await RecordingServer(loop: loop, host: host)
                let port = server.address.port!
                let steps = ConnectionSteps(resolve: tableResolver(["localhost": [streamInfo("::1", port),
                                                                                  streamInfo("127.0.0.1", port)]]),
                                            connect: nil)
                for delay in [nil, Duration.milliseconds(250)] {
                    let (transport, client) = try await withTimeout(.seconds(10)) {
                        try await CreateConnectionTests.connect(loop, host: "localhost", port: port, delay: delay, steps: steps)
                    }.value
                    XCTAssertEqual(transport.peerName, server.address, "server on \(host), delay \(String(describing: delay))")
                    transport.close()
                    try await waitUntil(loop) { client.isLost }
                }
                try await server.close()
            }
            try await waitForDescriptors(loop, baseline)
        }
    }

    // A socket accepted elsewhere becomes a transport; bytes go both ways.
    // CPython: test_events.EventLoopTestsMixin.test_connect_accepted_socket
    func testConnectAcceptedSocket() {
        runLoopTest { loop, _ in
            let listener = try Socket(family: AF_INET)
            try listener.bind(SocketAddress(ipv4: "127.0.0.1", port: 0))
            try listener.listen()
            let peer = try await rawClient(loop, to: try listener.localAddress)
            var accepted: Socket?
            try await waitUntil(loop) {
                if case .done(let pair)? = try? listener.tryAccept() { accepted = pair.0 }
                return accepted != nil
            }
            let (transport, proto) = try await loop.connectAcceptedSocket({ RecordingProtocol() }, sock: accepted!)
            XCTAssertEqual(transport.peerName, try peer.localAddress)
            let outgoing = pattern(300_000)
            transport.write(outgoing)
            let (bytes, _) = try await rawRead(loop, peer, atLeast: outgoing.count)
            XCTAssertEqual(bytes, outgoing)
            try await rawSendAll(loop, peer, Array("hello".utf8))
            try await waitUntil(loop) { proto.received.count == 5 }
            XCTAssertEqual(proto.received, Array("hello".utf8))
            transport.close()
            try await waitUntil(loop) { proto.isLost }
            peer.close()
            listener.close()

            let datagram = try Socket(family: AF_INET, type: Int32(SOCK_DGRAM.rawValue))
            let error = (await thrownError {
                _ = try await loop.connectAcceptedSocket({ RecordingProtocol() }, sock: datagram)
            }) as? InvalidArgumentError
            XCTAssertTrue(error?.message.hasPrefix("A Stream Socket was expected") == true)
            datagram.close()
        }
    }

    // A protocol that is neither a StreamingProtocol nor a BufferedProtocol (it conforms to
    // ConnectionProtocol directly; any other kind does not compile) is refused with an
    // error and its socket closed, instead of ending the process.
    // CPython: base_events._create_connection_transport (the transport is made for the
    // protocol the factory returned; a failure closes the socket and raises).
    func testProtocolOfNeitherKindIsRefused() {
        runLoopTest { loop, _ in
            let listener = try Socket(family: AF_INET)
            try listener.bind(SocketAddress(ipv4: "127.0.0.1", port: 0))
            try listener.listen()
            let address = try listener.localAddress
            let error = (await thrownError {
                _ = try await loop.createConnection({ NeitherKindProtocol() }, host: "127.0.0.1", port: address.port!)
            }) as? InvalidArgumentError
            XCTAssertEqual(error?.message, "NeitherKindProtocol is neither a StreamingProtocol nor a BufferedProtocol")
            listener.close()
        }
    }
}
