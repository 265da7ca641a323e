@testable import AsyncIO
import Glibc
import XCTest

/// `createDatagramEndpoint`'s argument rules and socket setup, from CPython's
/// `test_create_datagram_endpoint_*` tests, over real sockets.
final class DatagramEndpointTests: XCTestCase {
    // CPython: test_base_events.BaseEventLoopWithSelectorTests.test_create_datagram_endpoint_wrong_sock
    func testStreamSocketIsRefused() {
        runLoopTest { loop, _ in
            let sock = try Socket(family: AF_INET, type: streamType)
            defer { sock.close() }
            do {
                _ = try await loop.createDatagramEndpoint({ RecordingDatagramProtocol() }, sock: sock)
                XCTFail("a stream socket was accepted")
            } catch {
                XCTAssertTrue(message(error).hasPrefix("A datagram socket was expected, got <Socket fd="),
                              message(error))
            }
            XCTAssertFalse(sock.isClosed)
        }
    }

    // CPython: test_base_events.BaseEventLoopWithSelectorTests.test_create_datagram_endpoint_sock_sockopts
    func testSockExcludesEveryOtherKeyword() {
        runLoopTest { loop, _ in
            let sock = try Socket(family: AF_INET, type: datagramType)
            defer { sock.close() }
            let prefix = "socket modifier keyword arguments can not be used when sock is specified. "
            let factory = { RecordingDatagramProtocol() }
            let cases: [(String, () async throws -> Void)] = [
                ("(localAddress=('127.0.0.1', 0))", {
                    _ = try await loop.createDatagramEndpoint(factory, localAddress: ("127.0.0.1", 0), sock: sock) }),
                ("(remoteAddress=('127.0.0.1', 0))", {
                    _ = try await loop.createDatagramEndpoint(factory, remoteAddress: ("127.0.0.1", 0), sock: sock) }),
                ("(family=1)", { _ = try await loop.createDatagramEndpoint(factory, family: 1, sock: sock) }),
                ("(proto=1)", { _ = try await loop.createDatagramEndpoint(factory, proto: 1, sock: sock) }),
                ("(flags=1)", { _ = try await loop.createDatagramEndpoint(factory, flags: 1, sock: sock) }),
                ("(reusePort=true)", { _ = try await loop.createDatagramEndpoint(factory, reusePort: true, sock: sock) }),
                ("(allowBroadcast=true)", {
                    _ = try await loop.createDatagramEndpoint(factory, allowBroadcast: true, sock: sock) }),
                ("(family=2, allowBroadcast=true)", {
                    _ = try await loop.createDatagramEndpoint(factory, family: AF_INET, allowBroadcast: true, sock: sock) }),
            ]
            for (problems, attempt) in cases {
                do {
                    try await attempt()
                    XCTFail("accepted \(problems)")
                } catch {
                    XCTAssertEqual(message(error), prefix + problems)
                }
            }
            XCTAssertFalse(sock.isClosed)
        }
    }

    // CPython: test_base_events.BaseEventLoopWithSelectorTests.test_create_datagram_endpoint_sock
    func testExistingSocket() {
        runLoopTest { loop, _ in
            let sock = try Socket(family: AF_INET, type: datagramType)
            try sock.bind(SocketAddress(ipv4: "127.0.0.1", port: 0))
            try sock.setBlocking(true)
            let bound = try sock.localAddress
            let recorder = RecordingDatagramProtocol()
            let (transport, _) = try await loop.createDatagramEndpoint({ recorder }, sock: sock)
            // The transport took the descriptor over, non-blocking.
            XCTAssertTrue(sock.isClosed)
            XCTAssertEqual(transport.sockName, bound)
            XCTAssertFalse(try XCTUnwrap(transport.socket).isBlocking)
            let peer = RecordingDatagramProtocol()
            let (peerTransport, _) = try await loop.createDatagramEndpoint({ peer }, remoteAddress: ("127.0.0.1", bound.port!))
            try peerTransport.sendTo([42])
            try await waitUntil(loop) { recorder.datagrams.count == 1 }
            XCTAssertEqual(recorder.datagrams[0].data, [42])
            try await closeAndWait(loop, transport, recorder)
            try await closeAndWait(loop, peerTransport, peer)
            XCTAssertEqual(recorder.events, [.made, .lost])
        }
    }

    // CPython: test_base_events.BaseEventLoopWithSelectorTests.test_create_datagram_endpoint_noaddr_nofamily
    func testNoAddressNeedsFamily() {
        runLoopTest { loop, _ in
            do {
                _ = try await loop.createDatagramEndpoint({ RecordingDatagramProtocol() })
                XCTFail("no address and no family was accepted")
            } catch {
                XCTAssertEqual(message(error), "unexpected address family")
            }
            // With a family: an unbound, unconnected socket.
            let recorder = RecordingDatagramProtocol()
            let (transport, _) = try await loop.createDatagramEndpoint({ recorder }, family: AF_INET)
            XCTAssertEqual(transport.socket?.family, AF_INET)
            XCTAssertNil(transport.peerName)
            try await closeAndWait(loop, transport, recorder)
        }
    }

    // CPython: test_base_events.BaseEventLoopWithSelectorTests.test_create_datagram_endpoint_no_addrinfo
    // (a real resolver failure instead of a mocked empty answer; AI_NUMERICHOST keeps DNS out)
    func testResolutionFailure() {
        runLoopTest { loop, _ in
            do {
                _ = try await loop.createDatagramEndpoint({ RecordingDatagramProtocol() },
                                                          localAddress: ("not-an-address", 0), flags: AI_NUMERICHOST)
                XCTFail("an unresolvable address was accepted")
            } catch {
                XCTAssertTrue(error is AddressResolutionError, "\(error)")
            }
        }
    }

    // CPython: test_base_events.BaseEventLoopWithSelectorTests.test_create_datagram_endpoint_no_matching_family
    func testNoMatchingFamily() throws {
        try XCTSkipUnless(hasIPv6Loopback, "no ::1")
        runLoopTest { loop, _ in
            do {
                _ = try await loop.createDatagramEndpoint({ RecordingDatagramProtocol() },
                                                          localAddress: ("::1", 0), remoteAddress: ("127.0.0.1", 9))
                XCTFail("mismatched families were accepted")
            } catch {
                XCTAssertEqual(message(error), "can not get address information")
            }
        }
    }

    // CPython: test_base_events.BaseEventLoopWithSelectorTests.test_create_datagram_endpoint_cant_bind
    func testCannotBind() {
        for host in Loopback.allCases where host == .ipv4 || hasIPv6Loopback {
            runLoopTest { loop, _ in
                let holder = try Socket(family: host.family, type: datagramType)
                defer { holder.close() }
                try holder.bind(SocketAddress(host: host.rawValue, port: 0))
                let taken = try holder.localAddress
                do {
                    _ = try await loop.createDatagramEndpoint({ RecordingDatagramProtocol() },
                                                              localAddress: (host.rawValue, taken.port!))
                    XCTFail("bound a port in use")
                } catch let error as OSError {
                    XCTAssertEqual(error.errno, EADDRINUSE)
                    XCTAssertTrue(error.message.contains("\(taken)"), error.message)
                }
            }
        }
    }

    // CPython: test_base_events.BaseEventLoopWithSelectorTests.test_create_datagram_endpoint_connect_err
    func testConnectError() {
        runLoopTest { loop, _ in
            // Linux refuses to connect a UDP socket to the broadcast address without SO_BROADCAST.
            do {
                _ = try await loop.createDatagramEndpoint({ RecordingDatagramProtocol() },
                                                          remoteAddress: ("255.255.255.255", 9))
                XCTFail("connected to the broadcast address without SO_BROADCAST")
            } catch let error as OSError {
                XCTAssertEqual(error.errno, EACCES)
                XCTAssertEqual(error.message, "Connect call failed ('255.255.255.255', 9)")
            }
        }
    }

    // CPython: test_base_events.BaseEventLoopWithSelectorTests.test_create_datagram_endpoint_allow_broadcast
    func testAllowBroadcastSendsToRemoteWithoutConnecting() {
        runLoopTest { loop, _ in
            let server = RecordingDatagramProtocol()
            let (serverTransport, _) = try await loop.createDatagramEndpoint({ server }, localAddress: ("127.0.0.1", 0))
            let serverAddress = try XCTUnwrap(serverTransport.sockName)
            let client = RecordingDatagramProtocol()
            let (transport, _) = try await loop.createDatagramEndpoint(
                { client }, remoteAddress: ("127.0.0.1", serverAddress.port!), allowBroadcast: true)
            // Not connected (asyncio skips sock_connect), yet bound to its remote address.
            XCTAssertNil(transport.peerName)
            XCTAssertEqual(try transport.socket!.getOption(level: SOL_SOCKET, name: SO_BROADCAST), 1)
            try transport.sendTo([5])
            XCTAssertThrowsError(try transport.sendTo([6], address: serverAddress.withPort(9)))
            try await waitUntil(loop) { server.datagrams.count == 1 }
            XCTAssertEqual(server.datagrams[0].data, [5])
            try await closeAndWait(loop, transport, client)
            try await closeAndWait(loop, serverTransport, server)
        }
    }

    // CPython: test_base_events.BaseEventLoopWithSelectorTests.test_create_datagram_endpoint_sockopts
    // and test_create_datagram_endpoint_reuse_port (asyncio 3.13 has no reuse_address)
    func testSocketOptions() {
        runLoopTest { loop, _ in
            let plain = RecordingDatagramProtocol()
            let (transport, _) = try await loop.createDatagramEndpoint({ plain }, localAddress: ("127.0.0.1", 0))
            let socket = try XCTUnwrap(transport.socket)
            XCTAssertEqual(try socket.getOption(level: SOL_SOCKET, name: SO_REUSEPORT), 0)
            XCTAssertEqual(try socket.getOption(level: SOL_SOCKET, name: SO_BROADCAST), 0)
            // libuv's uv_udp_open turns SO_REUSEADDR on; asyncio 3.13 never sets it.
            XCTAssertEqual(try socket.getOption(level: SOL_SOCKET, name: SO_REUSEADDR), 0)
            try await closeAndWait(loop, transport, plain)

            let first = RecordingDatagramProtocol()
            let (shared, _) = try await loop.createDatagramEndpoint({ first }, localAddress: ("127.0.0.1", 0),
                                                                    reusePort: true, allowBroadcast: true)
            XCTAssertEqual(try shared.socket!.getOption(level: SOL_SOCKET, name: SO_REUSEPORT), 1)
            XCTAssertEqual(try shared.socket!.getOption(level: SOL_SOCKET, name: SO_BROADCAST), 1)
            // SO_REUSEPORT lets a second endpoint bind the same port.
            let second = RecordingDatagramProtocol()
            let port = shared.sockName!.port!
            let (sharing, _) = try await loop.createDatagramEndpoint({ second }, localAddress: ("127.0.0.1", port),
                                                                     reusePort: true)
            XCTAssertEqual(sharing.sockName?.port, port)
            try await closeAndWait(loop, shared, first)
            try await closeAndWait(loop, sharing, second)
        }
    }

    /// The factory's error reaches the caller and the socket does not leak.
    func testFactoryError() {
        struct FactoryFailed: Error {}
        runLoopTest { loop, _ in
            do {
                let _: (any DatagramTransport, RecordingDatagramProtocol) = try await loop.createDatagramEndpoint(
                    { throw FactoryFailed() }, localAddress: ("127.0.0.1", 0))
                XCTFail("the factory's error was lost")
            } catch {
                XCTAssertTrue(error is FactoryFailed, "\(error)")
            }
            XCTAssertTrue(loop.transportDescriptors.isEmpty)
        }
    }

    /// Port 0 on both families: each endpoint gets its own port, on its own family.
    // CPython: test_events.EventLoopTestsMixin.test_create_datagram_endpoint_ipv6
    func testIPv6LocalAddress() throws {
        try XCTSkipUnless(hasIPv6Loopback, "no ::1")
        runLoopTest { loop, _ in
            let recorder = RecordingDatagramProtocol()
            let (transport, _) = try await loop.createDatagramEndpoint({ recorder }, localAddress: ("::1", 0))
            XCTAssertEqual(transport.sockName?.family, AF_INET6)
            XCTAssertEqual(transport.sockName?.host, "::1")
            XCTAssertNotEqual(transport.sockName?.port, 0)
            try await closeAndWait(loop, transport, recorder)
        }
    }
}

/// The message of an `InvalidArgumentError` (asyncio's ValueError), or what else was thrown.
private func message(_ error: any Error) -> String {
    (error as? InvalidArgumentError)?.message ?? "not an InvalidArgumentError: \(error)"
}
