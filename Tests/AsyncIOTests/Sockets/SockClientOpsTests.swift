@testable import AsyncIO
import Glibc
import XCTest

/// The client operations of `loop.sock_*` over real loopback sockets.
final class SockClientOpsTests: XCTestCase {
    // CPython: test_sock_lowlevel.BaseSockTestsMixin.test_sock_client_ops
    // (_basetest_sock_client_ops and _basetest_sock_recv_into, with our echo server
    // instead of CPython's HTTP test server)
    func testClientOpsAgainstEchoServer() throws {
        for host in Loopback.allCases {
            try requireHost(host)
            runLoopTest { loop, _ in
                let listener = try makeListener(host)
                let server = loop.createTask {
                    let (conn, _) = try await loop.sockAccept(listener)
                    defer { conn.close() }
                    while true {
                        let data = try await loop.sockRecv(conn, 1024)
                        if data.isEmpty { return }
                        try await loop.sockSendAll(conn, data)
                    }
                }
                let sock = try Socket(family: host.family)
                try await loop.sockConnect(sock, to: listener.localAddress)
                let request = Array("GET / HTTP/1.0\r\n\r\n".utf8)
                try await loop.sockSendAll(sock, request)
                let reply = try await withTimeout(.seconds(10)) {
                    var reply: [UInt8] = []
                    while reply.count < request.count {
                        let chunk = try await loop.sockRecv(sock, 1024)
                        XCTAssertFalse(chunk.isEmpty)
                        if chunk.isEmpty { break }
                        reply += chunk
                    }
                    return reply
                }
                XCTAssertEqual(reply, request)

                // The same through sockRecvInto, into the middle of a larger buffer.
                try await loop.sockSendAll(sock, request)
                let buffer = RawBuffer(count: 1024)
                var filled = 0
                while filled < request.count {
                    let count = try await loop.sockRecvInto(sock, buffer.slice((10 + filled)..<1024))
                    XCTAssertGreaterThan(count, 0)
                    if count == 0 { break }
                    filled += count
                }
                XCTAssertEqual(buffer.bytes(10..<(10 + request.count)), request)
                try sock.shutdown(Int32(SHUT_WR))
                try await withTimeout(.seconds(10)) { try await server.value }
                // The server closed: end of file reads as an empty array / 0.
                let eof = try await loop.sockRecv(sock, 1024)
                XCTAssertEqual(eof, [])
                sock.close()
                listener.close()
            }
        }
    }

    // CPython: test_sock_lowlevel.BaseSockTestsMixin.test_sock_client_ops (debug mode:
    // "the socket must be non-blocking")
    func testDebugModeRefusesBlockingSockets() {
        runLoopTest { loop, _ in
            let listener = try makeListener(.ipv4)
            defer { listener.close() }
            let sock = try Socket()
            defer { sock.close() }
            try sock.setBlocking(true)
            loop.debug = true
            defer { loop.debug = false }
            let address = try listener.localAddress
            let buffer = RawBuffer(count: 16)
            let operations: [(String, () async throws -> Void)] = [
                ("sockConnect", { try await loop.sockConnect(sock, to: address) }),
                ("sockSendAll", { try await loop.sockSendAll(sock, Array("GET".utf8)) }),
                ("sockRecv", { _ = try await loop.sockRecv(sock, 1024) }),
                ("sockRecvInto", {
                    _ = try await loop.sockRecvInto(sock, buffer.memory)
                }),
                ("sockAccept", { _ = try await loop.sockAccept(sock) }),
            ]
            for (name, operation) in operations {
                do {
                    try await operation()
                    XCTFail("\(name) accepted a blocking socket")
                } catch let error as SocketUsageError {
                    XCTAssertEqual(error, .blockingSocket(fd: sock.fileno), name)
                    XCTAssertEqual(error.description, "the socket must be non-blocking")
                }
            }
            // Outside debug mode the check is skipped (asyncio checks only in debug mode).
            loop.debug = false
            try sock.setBlocking(false)
            try await loop.sockConnect(sock, to: address)
        }
    }

    // CPython: socket.recv(0) and socket.recv_into(bytearray()) return b'' / 0 with no
    // system call (socketmodule.c), so asyncio's sock_recv(sock, 0) and sock_recv_into
    // with an empty buffer complete at once. A recv(2) of 0 bytes would wait (EAGAIN) on
    // a socket with nothing to read, and fail on one with a pending error.
    func testZeroSizeReceivesReturnAtOnceWithoutASystemCall() {
        runLoopTest { loop, _ in
            let (client, server) = try await connectedPair(loop, .ipv4)
            let empty = RawBuffer(count: 1)
            // Nothing to read: no wait (the timeout only keeps a regression from hanging).
            let bytes = try await withTimeout(.seconds(10)) { try await loop.sockRecv(client, 0) }
            XCTAssertEqual(bytes, [])
            let count = try await withTimeout(.seconds(10)) {
                try await loop.sockRecvInto(client, empty.slice(0..<0))
            }
            XCTAssertEqual(count, 0)
            // The peer resets the connection; once the reset has arrived, a recv(2) would
            // report it (and clear it). The zero-size receives do not touch the socket...
            setLingerZero(server)
            server.close()
            var ready = pollfd(fd: client.fileno, events: Int16(POLLIN), revents: 0)
            XCTAssertEqual(poll(&ready, 1, 10_000), 1, "the reset did not arrive")
            let afterReset = try await loop.sockRecv(client, 0)
            XCTAssertEqual(afterReset, [])
            let countAfterReset = try await loop.sockRecvInto(client, empty.slice(0..<0))
            XCTAssertEqual(countAfterReset, 0)
            // ...so the error is still there for the first real receive.
            do {
                _ = try await loop.sockRecv(client, 16)
                XCTFail("the reset was lost")
            } catch let error as OSError {
                XCTAssertEqual(error.errno, ECONNRESET)
            }
            client.close()
        }
    }

    // CPython: test_sock_lowlevel.BaseSockTestsMixin.test_sock_accept
    func testSockAcceptReturnsNonBlockingSocketAndPeerAddress() throws {
        for host in Loopback.allCases {
            try requireHost(host)
            runLoopTest { loop, _ in
                let listener = try makeListener(host)
                let client = try Socket(family: host.family)
                try await loop.sockConnect(client, to: listener.localAddress)
                let (conn, peer) = try await loop.sockAccept(listener)
                XCTAssertFalse(conn.isBlocking)
                XCTAssertEqual(peer, try client.localAddress)
                XCTAssertEqual(try client.peerAddress, try listener.localAddress)
                XCTAssertEqual(conn.family, host.family)
                client.close()
                conn.close()
                listener.close()
            }
        }
    }

    // CPython: test_sock_lowlevel.BaseSockTestsMixin.test_sock_client_fail
    func testConnectToClosedPortIsRefused() throws {
        for host in Loopback.allCases {
            try requireHost(host)
            runLoopTest { loop, _ in
                // A port that was free a moment ago and has no listener now.
                let probe = try Socket(family: host.family)
                try probe.bind(SocketAddress(host: host.rawValue, port: 0))
                let address = try probe.localAddress
                probe.close()
                let sock = try Socket(family: host.family)
                defer { sock.close() }
                do {
                    try await loop.sockConnect(sock, to: address)
                    XCTFail("connected to a closed port")
                } catch let error as OSError {
                    XCTAssertEqual(error.errno, ECONNREFUSED)
                    XCTAssertEqual(error.message, "Connect call failed \(address)")
                }
                XCTAssertFalse(hasRegistration(loop, sock.fileno))
            }
        }
    }

    func testConnectErrorMessageNamesTheAddress() {
        runLoopTest { loop, _ in
            let sock = try Socket()
            defer { sock.close() }
            let probe = try Socket()
            try probe.bind(SocketAddress(host: "127.0.0.1", port: 0))
            let port = try probe.localAddress.port!
            probe.close()
            do {
                try await loop.sockConnect(sock, host: "127.0.0.1", port: port)
                XCTFail("connected to a closed port")
            } catch let error as OSError {
                XCTAssertEqual(error.errno, ECONNREFUSED)
                XCTAssertEqual(error.description, "[Errno \(ECONNREFUSED)] Connect call failed ('127.0.0.1', \(port))")
            }
        }
    }

    // CPython: test_base_events.BaseEventLoopTests.test_ipaddr_info (via sock_connect's
    // _ensure_resolved): a literal address never reaches the resolver.
    func testConnectByLiteralHostSkipsTheResolver() throws {
        for host in Loopback.allCases {
            try requireHost(host)
            runLoopTest { loop, _ in
                let listener = try makeListener(host)
                let sock = try Socket(family: host.family)
                let accepting = loop.createTask { try await loop.sockAccept(listener).0 }
                try await loop.sockConnect(sock, host: host.rawValue, port: listener.localAddress.port!)
                let conn = try await accepting.value
                XCTAssertEqual(loop.resolverRequestCount, 0)
                XCTAssertEqual(try sock.peerAddress, try listener.localAddress)
                conn.close()
                sock.close()
                listener.close()
            }
        }
    }

    func testConnectByNameResolvesOffTheLoop() {
        runLoopTest { loop, _ in
            let listener = try makeListener(.ipv4)
            let sock = try Socket()
            let accepting = loop.createTask { try await loop.sockAccept(listener).0 }
            // "localhost" comes from /etc/hosts; the AF_INET socket asks for IPv4 only.
            try await loop.sockConnect(sock, host: "localhost", port: listener.localAddress.port!)
            let conn = try await accepting.value
            XCTAssertEqual(loop.resolverRequestCount, 1)
            XCTAssertEqual(try sock.peerAddress, try listener.localAddress)
            conn.close()
            sock.close()
            listener.close()
        }
    }

    func testConnectToUnresolvableHostThrowsAddressResolutionError() {
        runLoopTest { loop, _ in
            let sock = try Socket()
            defer { sock.close() }
            // glibc rejects a name with a space and '!' before sending any DNS query,
            // so this fails the same way with or without a network.
            do {
                try await loop.sockConnect(sock, host: "bad host!.invalid", port: 80)
                XCTFail("resolved an invalid host name")
            } catch let error as AddressResolutionError {
                XCTAssertEqual(error.code, EAI_NONAME)
                XCTAssertEqual(error.host, "bad host!.invalid")
            }
        }
    }

    // CPython: test_sock_lowlevel.BaseSockTestsMixin.test_unix_sock_client_ops
    func testUnixSocketClientOps() {
        runLoopTest { loop, _ in
            let path = "/tmp/asyncio-sock-\(getpid())-\(UInt32.random(in: 0...UInt32.max)).sock"
            defer { unlink(path) }
            let listener = try Socket(family: AF_UNIX)
            try listener.bind(SocketAddress(unixPath: path))
            try listener.listen()
            let server = loop.createTask {
                let (conn, _) = try await loop.sockAccept(listener)
                defer { conn.close() }
                while true {
                    let data = try await loop.sockRecv(conn, 1024)
                    if data.isEmpty { return }
                    try await loop.sockSendAll(conn, data)
                }
            }
            let sock = try Socket(family: AF_UNIX)
            try await loop.sockConnect(sock, to: SocketAddress(unixPath: path))
            let request = Array("GET / HTTP/1.0\r\n\r\n".utf8)
            try await loop.sockSendAll(sock, request)
            try sock.shutdown(Int32(SHUT_WR))
            let reply = try await withTimeout(.seconds(10)) { try await receiveAll(loop, sock) }
            XCTAssertEqual(reply, request)
            try await withTimeout(.seconds(10)) { try await server.value }
            sock.close()
            listener.close()
        }
    }
}
