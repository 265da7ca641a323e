@testable import AsyncIO
import Glibc
import XCTest

/// The Swift names for C constants (`AddressFamily`, `SocketType`, `SocketOption`,
/// `ShutdownDirection`, `Signal`) and the `OSError` predicates, over real sockets.
/// Glibc is imported only to raise signals, to force a reset, and to check the names
/// against the C values they stand for.
final class NativeNamesTests: XCTestCase {
    // A socket made with the typed names binds, listens, connects and shuts down on both
    // loopbacks, port 0.
    func testTypedSocketsConnectOnBothLoopbacks() throws {
        for host in Loopback.allCases {
            try requireHost(host)
            runLoopTest { loop, _ in
                let listener = try Socket(family: host.addressFamily, type: .stream)
                defer { listener.close() }
                XCTAssertEqual(listener.addressFamily, host.addressFamily)
                XCTAssertEqual(listener.socketType, .stream)
                XCTAssertEqual(listener.family, host.family)
                try listener.bind(SocketAddress(host: host.rawValue, port: 0))
                try listener.listen(backlog: 4)
                let client = try Socket(family: host.addressFamily)
                defer { client.close() }
                let address = try listener.localAddress
                let connecting = loop.createTask { try await loop.sockConnect(client, to: address) }
                let (server, _) = try await loop.sockAccept(listener)
                defer { server.close() }
                try await connecting.value
                XCTAssertEqual(server.addressFamily, host.addressFamily)
                try await loop.sockSendAll(client, Array("ping".utf8))
                try client.shutdown(.write)
                let received = try await withTimeout(.seconds(10)) { try await receiveAll(loop, server) }
                XCTAssertEqual(received, Array("ping".utf8))  // then end of file, from .write
            }
        }
    }

    func testTypedDatagramSocket() throws {
        let socket = try Socket(family: .inet, type: .datagram)
        defer { socket.close() }
        XCTAssertEqual(socket.type, Int32(SOCK_DGRAM.rawValue))
        XCTAssertEqual(socket.socketType, .datagram)
    }

    // The table maps each name to the C constant it documents.
    func testNamesAreTheirCConstants() {
        XCTAssertEqual(AddressFamily.unspec.rawValue, AF_UNSPEC)
        XCTAssertEqual(AddressFamily.inet.rawValue, AF_INET)
        XCTAssertEqual(AddressFamily.inet6.rawValue, AF_INET6)
        XCTAssertEqual(AddressFamily.unix.rawValue, AF_UNIX)
        XCTAssertEqual(SocketType.stream.rawValue, Int32(SOCK_STREAM.rawValue))
        XCTAssertEqual(SocketType.datagram.rawValue, Int32(SOCK_DGRAM.rawValue))
        XCTAssertEqual(SocketOption.reuseAddress, SocketOption(level: SOL_SOCKET, name: SO_REUSEADDR))
        XCTAssertEqual(SocketOption.tcpNoDelay, SocketOption(level: Int32(IPPROTO_TCP), name: TCP_NODELAY))
        XCTAssertEqual(SocketOption.ipv6Only, SocketOption(level: Int32(IPPROTO_IPV6), name: IPV6_V6ONLY))
        XCTAssertEqual(ShutdownDirection.write.rawValue, Int32(SHUT_WR))
        XCTAssertEqual(Signal.interrupt.rawValue, SIGINT)
        XCTAssertEqual(Signal.terminate.rawValue, SIGTERM)
        XCTAssertEqual(Signal.user1.rawValue, SIGUSR1)
        XCTAssertEqual(Signal.child.rawValue, SIGCHLD)
    }

    // setOption/getOption by name round-trip, and agree with the C (level, name) form.
    func testOptionsRoundTrip() throws {
        let socket = try Socket(family: .inet)
        defer { socket.close() }
        for option in [SocketOption.reuseAddress, .tcpNoDelay, .keepAlive] {
            try socket.setOption(option, true)
            XCTAssertNotEqual(try socket.getOption(option), 0, "\(option)")
            XCTAssertNotEqual(try socket.getOption(level: option.level, name: option.name), 0, "\(option)")
            try socket.setOption(option, false)
            XCTAssertEqual(try socket.getOption(option), 0, "\(option)")
        }
        try socket.setOption(.reuseAddress, value: 1)
        XCTAssertEqual(try socket.getOption(level: SOL_SOCKET, name: SO_REUSEADDR), 1)
        // Linux doubles SO_RCVBUF for its bookkeeping; it never reports less than was set.
        try socket.setOption(.receiveBufferSize, value: 65536)
        XCTAssertGreaterThanOrEqual(try socket.getOption(.receiveBufferSize), 65536)
        XCTAssertEqual(try socket.getOption(.receiveBufferSize),
                       try socket.getOption(level: SOL_SOCKET, name: SO_RCVBUF))
        XCTAssertEqual(try socket.getOption(.error), 0)

        try requireHost(.ipv6)
        let v6 = try Socket(family: .inet6)
        defer { v6.close() }
        try v6.setOption(.ipv6Only, true)
        XCTAssertEqual(try v6.getOption(.ipv6Only), 1)
    }

    // A handler registered with the typed signal runs when the process raises it.
    func testTypedSignalHandlerRuns() {
        runLoopTest { loop, _ in
            let got = loop.createFuture(of: Bool.self)
            try loop.addSignalHandler(.user1) {
                if !got.isDone { try got.setResult(loop.isOnLoopThread) }
            }
            raise(SIGUSR1)
            let onLoop = try await withTimeout(.seconds(10)) { try await got.value }
            XCTAssertTrue(onLoop)
            XCTAssertTrue(loop.removeSignalHandler(.user1))
            XCTAssertFalse(loop.removeSignalHandler(SIGUSR1))  // the typed form removed it
            XCTAssertThrowsError(try loop.addSignalHandler(.kill) {})
        }
    }

    // The typed family and type reach the resolver and the high-level calls.
    func testTypedFamilyReachesResolverServerAndConnection() throws {
        try requireHost(.ipv6)
        runLoopTest { loop, _ in
            let answers = try await loop.getAddrInfo(host: "::1", port: 80, family: .inet6, type: .stream)
            XCTAssertFalse(answers.isEmpty)
            XCTAssertTrue(answers.allSatisfy { $0.addressFamily == .inet6 && $0.socketType == .stream }, "\(answers)")
            let datagrams = try await loop.getAddrInfo(host: "127.0.0.1", port: 53, type: .datagram)
            XCTAssertEqual(datagrams.map(\.socketType), [.datagram])
            do {
                _ = try await loop.getAddrInfo(host: "127.0.0.1", port: 80, family: .inet6)
                XCTFail("an IPv4 literal resolved as .inet6")
            } catch is AddressResolutionError {}

            let server = try await loop.startServer(host: "::1", port: 0, family: .inet6) { reader, writer in
                writer.write(try await reader.readLine())
                try await writer.drain()
                writer.close()
            }
            XCTAssertEqual(try server.sockets.map { try $0.localAddress.family }, [AF_INET6])
            let port = try server.sockets[0].localAddress.port!
            let (reader, writer) = try await loop.openConnection(host: "::1", port: port, family: .inet6)
            writer.write(Array("hi\n".utf8))
            let echoed = try await reader.readLine()
            XCTAssertEqual(echoed, Array("hi\n".utf8))
            writer.close()
            try await writer.waitClosed()
            server.close()
            try await server.waitClosed()
        }
    }

    // MARK: OSError predicates

    // ECONNREFUSED from connecting to a port that is bound but not listening (kept bound,
    // so no other test can take the port meanwhile).
    func testConnectionRefused() throws {
        for host in Loopback.allCases {
            try requireHost(host)
            runLoopTest { loop, _ in
                let bound = try Socket(family: host.addressFamily)
                defer { bound.close() }
                try bound.bind(SocketAddress(host: host.rawValue, port: 0))
                let client = try Socket(family: host.addressFamily)
                defer { client.close() }
                let address = try bound.localAddress
                let error = await osError { try await loop.sockConnect(client, to: address) }
                XCTAssertEqual(error.map(predicates), ["isConnectionRefused", "isConnectionError"])
            }
        }
    }

    // EADDRINUSE from binding a port another socket listens on.
    func testAddressInUse() throws {
        for host in Loopback.allCases {
            try requireHost(host)
            let listener = try makeListener(host)
            defer { listener.close() }
            let second = try Socket(family: host.addressFamily)
            defer { second.close() }
            let address = try listener.localAddress
            do {
                try second.bind(address)
                XCTFail("bound \(address) twice")
            } catch {
                XCTAssertEqual(predicates(error), ["isAddressInUse"])
            }
        }
    }

    // ECONNRESET from a peer that closes with SO_LINGER 0 (an RST), then EPIPE from
    // writing to the reset connection.
    func testConnectionResetThenBrokenPipe() throws {
        for host in Loopback.allCases {
            try requireHost(host)
            runLoopTest { loop, _ in
                let (client, server) = try await connectedPair(loop, host)
                defer { client.close() }
                var linger = Glibc.linger(l_onoff: 1, l_linger: 0)
                XCTAssertEqual(setsockopt(server.fileno, SOL_SOCKET, SO_LINGER, &linger,
                                          socklen_t(MemoryLayout<Glibc.linger>.size)), 0)
                server.close()
                let reset = await osError { _ = try await loop.sockRecv(client, 16) }
                XCTAssertEqual(reset.map(predicates), ["isConnectionReset", "isConnectionError"])
                let broken = await osError { try await loop.sockSendAll(client, [1, 2, 3]) }
                XCTAssertEqual(broken.map(predicates), ["isBrokenPipe", "isConnectionError"])
            }
        }
    }

    // ENOENT from connecting to a Unix socket path that does not exist.
    func testFileNotFound() {
        runLoopTest { loop, _ in
            let client = try Socket(family: .unix)
            defer { client.close() }
            let path = "/tmp/asyncio-no-such-socket-\(getpid())"
            let error = await osError { try await loop.sockConnect(client, to: try SocketAddress(unixPath: path)) }
            XCTAssertEqual(error.map(predicates), ["isFileNotFound"])
        }
    }

    // EACCES from sending to the broadcast address without SO_BROADCAST (the kernel
    // refuses this to root too, unlike file permissions).
    func testPermissionDenied() {
        runLoopTest { loop, _ in
            let socket = try Socket(family: .inet, type: .datagram)
            defer { socket.close() }
            let broadcast = try SocketAddress(ipv4: "255.255.255.255", port: 9)
            let error = await osError { _ = try await loop.sockSendTo(socket, [0], to: broadcast) }
            XCTAssertEqual(error.map(predicates), ["isPermissionDenied"])
        }
    }

    // EAGAIN from a raw recv on a non-blocking socket with nothing to read (the loop's
    // sock* methods wait instead; this is what they see first).
    func testWouldBlock() throws {
        let socket = try Socket(family: .inet, type: .datagram)
        defer { socket.close() }
        try socket.bind(SocketAddress(host: "127.0.0.1", port: 0))
        var byte: UInt8 = 0
        XCTAssertEqual(recv(socket.fileno, &byte, 1, 0), -1)
        let error = OSError(errno: errno, operation: "recv")
        XCTAssertEqual(predicates(error), ["isWouldBlock"])
    }

    // Python's PEP 3151 table, for the codes a loopback test cannot produce reliably
    // (ETIMEDOUT needs an unanswering peer; the accept path retries ECONNABORTED itself).
    func testPredicatesFollowPythonsTable() {
        let table: [(Int32, Set<String>)] = [
            (ETIMEDOUT, ["isTimedOut"]),
            (ECONNABORTED, ["isConnectionAborted", "isConnectionError"]),
            (ESHUTDOWN, ["isBrokenPipe", "isConnectionError"]),
            (EINPROGRESS, ["isWouldBlock"]), (EALREADY, ["isWouldBlock"]),
            (EINTR, ["isInterrupted"]), (EEXIST, ["isFileExists"]),
            (EPERM, ["isPermissionDenied"]), (ESRCH, ["isProcessLookupFailure"]),
            (EBADF, []), (EINVAL, []),
        ]
        for (code, expected) in table {
            XCTAssertEqual(predicates(OSError(errno: code, message: "")), expected, OSError.strerror(code))
        }
    }
}

extension Loopback {
    /// The host's family by its Swift name.
    var addressFamily: AddressFamily { self == .ipv4 ? .inet : .inet6 }
}

/// The names of the predicates that hold for `error`.
private func predicates(_ error: OSError) -> Set<String> {
    let all: [(String, Bool)] = [
        ("isConnectionReset", error.isConnectionReset), ("isConnectionRefused", error.isConnectionRefused),
        ("isConnectionAborted", error.isConnectionAborted), ("isBrokenPipe", error.isBrokenPipe),
        ("isConnectionError", error.isConnectionError), ("isTimedOut", error.isTimedOut),
        ("isAddressInUse", error.isAddressInUse), ("isWouldBlock", error.isWouldBlock),
        ("isInterrupted", error.isInterrupted), ("isFileNotFound", error.isFileNotFound),
        ("isFileExists", error.isFileExists), ("isPermissionDenied", error.isPermissionDenied),
        ("isProcessLookupFailure", error.isProcessLookupFailure),
    ]
    return Set(all.filter(\.1).map(\.0))
}

/// The error `body` throws, failing the test if it throws none or another type.
private nonisolated(nonsending) func osError(_ body: nonisolated(nonsending) () async throws -> Void, line: UInt = #line) async -> OSError? {
    do {
        try await body()
        XCTFail("no error", line: line)
    } catch let error as OSError {
        return error
    } catch {
        XCTFail("not an OSError: \(error)", line: line)
    }
    return nil
}
