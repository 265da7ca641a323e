@testable import AsyncIO
import Glibc
import XCTest

final class ServerTests: XCTestCase {
    // CPython: test_events.EventLoopTestsMixin.test_create_server /
    // test_create_server_ipv6 (port 0, one socket, a client is served).
    func testPortZeroOnIPv4AndIPv6ServesAClient() {
        for host in hasIPv6Loopback ? ["127.0.0.1", "::1"] : ["127.0.0.1"] {
            runLoopTest { loop, _ in
                let server = try await loop.createServer({ TestEchoProtocol() }, host: host, port: 0)
                XCTAssertTrue(server.isServing)
                XCTAssertTrue(server.loop === loop)
                XCTAssertEqual(server.sockets.count, 1)
                let address = try server.sockets[0].localAddress
                XCTAssertEqual(address.host, host)
                XCTAssertGreaterThan(address.port ?? 0, 0)
                let (transport, client) = try await loop.createConnection({ RecordingProtocol() }, host: host, port: address.port)
                XCTAssertEqual(transport.peerName, address)
                transport.write(Array("ping".utf8))
                try await waitUntil(loop) { client.received.count == 4 }
                XCTAssertEqual(client.received, Array("ping".utf8))
                transport.close()
                server.close()
                XCTAssertFalse(server.isServing)
                XCTAssertEqual(server.sockets.count, 0)
                try await server.waitClosed()
            }
        }
    }

    // CPython: test_base_events.BaseEventLoopWithSelectorTests.test_create_server_multiple_hosts_ipv4/ipv6
    // (a host list binds each, deduplicated) and test_create_server_host_port_sock.
    func testHostListIsDeduplicatedAndArgumentsChecked() {
        runLoopTest { loop, _ in
            var hosts = ["127.0.0.1", "127.0.0.1"]
            if hasIPv6Loopback { hosts += ["::1", "::1"] }
            let server = try await loop.createServer({ TestEchoProtocol() }, hosts: hosts, port: 0)
            let bound = try server.sockets.map { try $0.localAddress.host }
            XCTAssertEqual(bound, hasIPv6Loopback ? ["127.0.0.1", "::1"] : ["127.0.0.1"])
            if hasIPv6Loopback {
                XCTAssertNotEqual(try server.sockets[1].getOption(level: Int32(IPPROTO_IPV6), name: IPV6_V6ONLY), 0)
            }
            server.close()
            try await server.waitClosed()

            let sock = try Socket()
            defer { sock.close() }
            do {
                _ = try await loop.createServer({ TestEchoProtocol() }, host: "127.0.0.1", port: 0, sock: sock)
                XCTFail("host with sock must throw")
            } catch let error as InvalidArgumentError {
                XCTAssertEqual(error.message, "host/port and sock can not be specified at the same time")
            }
            do {
                _ = try await loop.createServer({ TestEchoProtocol() })
                XCTFail("neither host/port nor sock must throw")
            } catch let error as InvalidArgumentError {
                XCTAssertEqual(error.message, "Neither host/port nor sock were specified")
            }
        }
    }

    // asyncio: host None binds every interface (getaddrinfo with AI_PASSIVE).
    func testNilHostBindsAllInterfaces() {
        runLoopTest { loop, _ in
            let server = try await loop.createServer({ TestEchoProtocol() }, port: 0)
            let hosts = Set(try server.sockets.map { try $0.localAddress.host })
            XCTAssertTrue(hosts.contains("0.0.0.0"), "\(hosts)")
            let port = try server.sockets.first { try $0.localAddress.family == AF_INET }!.localAddress.port
            let (transport, client) = try await loop.createConnection({ RecordingProtocol() }, host: "127.0.0.1", port: port)
            transport.write([7])
            try await waitUntil(loop) { client.received == [7] }
            transport.close()
            server.close()
            try await server.waitClosed()
        }
    }

    // CPython: test_events.EventLoopTestsMixin.test_create_server_sock.
    func testServesAnExistingSocket() {
        runLoopTest { loop, _ in
            let sock = try Socket()
            try sock.bind(SocketAddress(ipv4: "127.0.0.1", port: 0))
            let server = try await loop.createServer({ TestEchoProtocol() }, sock: sock)
            XCTAssertEqual(try server.sockets[0].localAddress, try sock.localAddress)
            let (transport, client) = try await loop.createConnection({ RecordingProtocol() }, host: "127.0.0.1",
                                                                      port: try sock.localAddress.port)
            transport.write([1, 2])
            try await waitUntil(loop) { client.received == [1, 2] }
            transport.close()
            server.close()
            XCTAssertTrue(sock.isClosed)
            try await server.waitClosed()
        }
    }

    // CPython: test_events.EventLoopTestsMixin.test_create_server_reuse_port and
    // test_create_server_addr_in_use (the error names the address, lower-cased).
    func testReusePortAndBindConflictError() {
        runLoopTest { loop, _ in
            let first = try await loop.createServer({ TestEchoProtocol() }, host: "127.0.0.1", port: 0, reusePort: true)
            let port = try first.sockets[0].localAddress.port!
            XCTAssertNotEqual(try first.sockets[0].getOption(level: SOL_SOCKET, name: SO_REUSEPORT), 0)
            let second = try await loop.createServer({ TestEchoProtocol() }, host: "127.0.0.1", port: port, reusePort: true)
            XCTAssertEqual(try second.sockets[0].localAddress.port, port)
            do {
                _ = try await loop.createServer({ TestEchoProtocol() }, host: "127.0.0.1", port: port)
                XCTFail("binding a used port must fail")
            } catch let error as OSError {
                XCTAssertEqual(error.errno, EADDRINUSE)
            }
            first.close()
            second.close()
            try await first.waitClosed()
            try await second.waitClosed()
        }
    }

    // The bind error carries the errno twice, as asyncio's does: in the OSError and, in
    // Python's lower-cased `str(err)`, in the message; also for an IPv6 address.
    // CPython: base_events.BaseEventLoop.create_server (bind error message).
    func testBindErrorCarriesTheErrnoInAsyncioForm() {
        for host in hasIPv6Loopback ? ["127.0.0.1", "::1"] : ["127.0.0.1"] {
            runLoopTest { loop, _ in
                let first = try await loop.createServer({ TestEchoProtocol() }, host: host, port: 0)
                let address = try first.sockets[0].localAddress
                do {
                    _ = try await loop.createServer({ TestEchoProtocol() }, host: host, port: address.port,
                                                    reuseAddress: false)
                    XCTFail("binding a used port must fail")
                } catch let error as OSError {
                    XCTAssertEqual(error.errno, EADDRINUSE)
                    let message = "error while attempting to bind on address \(address): "
                        + "[errno \(EADDRINUSE)] address already in use"
                    XCTAssertEqual(error.message, message)
                    XCTAssertEqual("\(error)", "[Errno \(EADDRINUSE)] " + message)
                }
                first.close()
                try await first.waitClosed()
            }
        }
    }

    // CPython: test_server.TestServer2.test_start_serving / test_base_events
    // test_create_server_start_serving_false (not listening until startServing()).
    func testStartServingFalseThenStartServing() {
        runLoopTest { loop, _ in
            let server = try await loop.createServer({ TestEchoProtocol() }, host: "127.0.0.1", port: 0, startServing: false)
            XCTAssertFalse(server.isServing)
            let address = try server.sockets[0].localAddress
            do {
                _ = try await loop.createConnection({ RecordingProtocol() }, host: "127.0.0.1", port: address.port)
                XCTFail("connecting to a server that does not listen must fail")
            } catch let error as OSError {
                XCTAssertEqual(error.errno, ECONNREFUSED)
                XCTAssertEqual(error.message, "Connect call failed \(address)")
            }
            try await server.startServing()
            try await server.startServing()
            XCTAssertTrue(server.isServing)
            let (transport, client) = try await loop.createConnection({ RecordingProtocol() }, host: "127.0.0.1", port: address.port)
            transport.write([9])
            try await waitUntil(loop) { client.received == [9] }
            transport.close()
            server.close()
            try await server.waitClosed()
        }
    }

    // CPython: test_server.BaseStartServer.test_start_server_1 / TestServer2.test_serve_forever
    // style: cancelling serve_forever closes the server; a second serve_forever and
    // serve_forever on a closed server are errors.
    func testServeForeverCancellationClosesServer() {
        runLoopTest { loop, _ in
            let server = try await loop.createServer({ TestEchoProtocol() }, host: "127.0.0.1", port: 0, startServing: false)
            let outcome = Box<(any Error)?>(nil)
            let finished = Box(false)
            let task = loop.createTask {
                do { try await server.serveForever() } catch { outcome.value = error }
                finished.value = true
            }
            try await waitUntil(loop) { server.isServing }
            do {
                try await server.serveForever()
                XCTFail("a second serveForever must throw")
            } catch let error as ServerError {
                guard case .alreadyServingForever = error else { return XCTFail("\(error)") }
            }
            task.cancel()
            try await waitUntil(loop) { finished.value }
            XCTAssertTrue(outcome.value is CancellationError)
            XCTAssertFalse(server.isServing)
            XCTAssertEqual(server.sockets.count, 0)
            do {
                try await server.serveForever()
                XCTFail("serveForever on a closed server must throw")
            } catch let error as ServerError {
                guard case .closed = error else { return XCTFail("\(error)") }
            }
        }
    }

    // CPython: test_server.TestServer2.test_wait_closed_basic / test_close_clients /
    // test_abort_clients: wait_closed returns only when the server is closed and its
    // clients are gone.
    func testWaitClosedWaitsForClientsThenCloseOrAbortClients() {
        for abort in [false, true] {
            runLoopTest { loop, _ in
                let server = try await RecordingServer(loop: loop, host: "127.0.0.1")
                let (transport, client) = try await loop.createConnection({ RecordingProtocol() }, host: "127.0.0.1",
                                                                          port: server.address.port)
                let serverSide = try await server.connection(loop)
                let waited = Box(false)
                loop.createTask {
                    try await server.server.waitClosed()
                    waited.value = true
                }
                try await loop.sleep(.milliseconds(20))
                XCTAssertFalse(waited.value, "not closed yet")
                server.server.close()
                try await loop.sleep(.milliseconds(20))
                XCTAssertFalse(waited.value, "a client is still connected")
                XCTAssertEqual(server.server.clientCount, 1)
                if abort { server.server.abortClients() } else { server.server.closeClients() }
                try await waitUntil(loop) { waited.value }
                XCTAssertEqual(serverSide.events.last, .lostClean)
                try await waitUntil(loop) { client.isLost }
                _ = transport
                // Once closed, waitClosed returns at once.
                try await server.server.waitClosed()
            }
        }
    }

    // A protocol factory that throws: the connection is closed and reported.
    func testFactoryErrorClosesConnectionAndIsReported() {
        struct FactoryError: Error {}
        runLoopTest(expectExceptions: true) { loop, recorder in
            let server = try await loop.createServer({ () throws -> TestEchoProtocol in throw FactoryError() },
                                                    host: "127.0.0.1", port: 0)
            let client = try await rawClient(loop, to: try server.sockets[0].localAddress)
            let (_, eof) = try await rawRead(loop, client, atLeast: 0, untilEOF: true)
            XCTAssertTrue(eof)
            XCTAssertEqual(recorder.contexts.count, 1)
            XCTAssertEqual(recorder.contexts.first?.message, "Error on transport creation for incoming connection")
            XCTAssertTrue(recorder.contexts.first?.error is FactoryError)
            client.close()
            server.close()
            try await server.waitClosed()
        }
    }

    // A protocol no stream transport can drive (possible only for a class conforming to
    // ConnectionProtocol directly: a DatagramProtocol factory does not compile) costs that
    // one connection, not the process: it is closed, the exception handler names the
    // protocol type, and the server serves the next client.
    // CPython: base_events.BaseEventLoop._accept_connection2 (errors while setting up an
    // incoming connection close it; the server keeps accepting).
    func testWrongProtocolKindClosesThatConnectionAndTheServerKeepsServing() {
        runLoopTest(expectExceptions: true) { loop, recorder in
            let sock = try Socket()
            try sock.bind(SocketAddress(ipv4: "127.0.0.1", port: 0))
            try sock.setBlocking(false)
            let made = Box(0)
            let server = try await loop.makeServer({ () -> any ConnectionProtocol in
                made.value += 1
                return made.value == 1 ? NeitherKindProtocol() : TestEchoProtocol()
            }, sockets: [sock], backlog: 100, startServing: true)
            let address = try server.sockets[0].localAddress

            let first = try await rawClient(loop, to: address)
            let (_, eof) = try await rawRead(loop, first, atLeast: 0, untilEOF: true)
            XCTAssertTrue(eof, "the wrong protocol's connection is closed")
            first.close()
            XCTAssertEqual(recorder.contexts.count, 1)
            XCTAssertEqual(recorder.contexts.first?.message,
                           "Protocol factory returned NeitherKindProtocol for an incoming connection, "
                           + "which is neither a StreamingProtocol nor a BufferedProtocol")
            XCTAssertEqual(recorder.contexts.first?.extra["protocol"], "NeitherKindProtocol")

            let second = try await rawClient(loop, to: address)
            try await loop.sockSendAll(second, Array("still serving".utf8))
            let (echo, _) = try await rawRead(loop, second, atLeast: 13)
            XCTAssertEqual(text(echo), "still serving")
            second.close()
            XCTAssertTrue(server.isServing)
            server.close()
            try await withTimeout(.seconds(10)) { try await server.waitClosed() }
        }
    }

    // A class that is both a StreamingProtocol and a BufferedProtocol reads through
    // getBuffer, as asyncio's transports check BufferedProtocol first.
    // CPython: selector_events._SelectorSocketTransport.set_protocol (BufferedProtocol first).
    func testProtocolOfBothKindsIsServedAsBuffered() {
        final class BothKinds: StreamingProtocol, BufferedProtocol {
            let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1024, alignment: 1)
            var transport: (any Transport)?
            deinit { buffer.deallocate() }
            func connectionMade(_ transport: any Transport) { self.transport = transport }
            func dataReceived(_ data: [UInt8]) { transport?.write(Array("streaming".utf8)) }
            func getBuffer(_ sizeHint: Int) -> UnsafeMutableRawBufferPointer { buffer }
            func bufferUpdated(_ count: Int) { transport?.write(Array("buffered!".utf8)) }
            func eofReceived() -> Bool { false }
        }
        for unix in [false, true] {
            runLoopTest { loop, _ in
                let directory = "/tmp/asyncio-both-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
                mkdir(directory, 0o700)
                defer { rmdir(directory) }
                let server = unix
                    ? try await loop.createUnixServer({ BothKinds() }, path: directory + "/server.sock")
                    : try await loop.createServer({ BothKinds() }, host: "127.0.0.1", port: 0)
                let client = try await rawClient(loop, to: try server.sockets[0].localAddress)
                try await loop.sockSendAll(client, [1])
                let (answer, _) = try await rawRead(loop, client, atLeast: 9)
                XCTAssertEqual(text(answer), "buffered!")
                client.close()
                server.close()
                try await withTimeout(.seconds(10)) { try await server.waitClosed() }
            }
        }
    }

    // CPython: test_selector_events.BaseSelectorEventLoopTests.test_accept_connection_exception
    // (EMFILE: reported, the reader removed, accepting resumes after ACCEPT_RETRY_DELAY).
    func testAcceptSurvivesDescriptorExhaustion() {
        runLoopTest(expectExceptions: true) { loop, recorder in
            let server = try await loop.createServer({ TestEchoProtocol() }, host: "127.0.0.1", port: 0)
            let address = try server.sockets[0].localAddress
            // Connections wait in the kernel's backlog: the accept callback has not run yet
            // because this task has not yielded since.
            var clients: [Socket] = []
            for _ in 0..<3 {
                let socket = try Socket()
                _ = try socket.tryConnect(address)
                clients.append(socket)
            }
            // Exhaust descriptors: a lower soft limit, then dup() until EMFILE.
            var saved = rlimit()
            getrlimit(Int32(RLIMIT_NOFILE.rawValue), &saved)
            var highest: Int32 = 0
            for fd in 0..<Int32(4096) where fcntl(fd, F_GETFD) >= 0 { highest = fd }
            var lowered = saved
            lowered.rlim_cur = rlim_t(highest + 64)
            setrlimit(Int32(RLIMIT_NOFILE.rawValue), &lowered)
            var fillers: [Int32] = []
            let original = clients[0].fileno
            while fillers.count < 400 {
                let fd = dup(original)
                if fd < 0 { break }
                fillers.append(fd)
            }
            let exhausted = dup(original) < 0 && errno == EMFILE
            defer {
                for fd in fillers { Glibc.close(fd) }
                setrlimit(Int32(RLIMIT_NOFILE.rawValue), &saved)
            }
            XCTAssertTrue(exhausted)
            // Several wake-ups while exhausted: one report.
            try await waitUntil(loop) { !recorder.contexts.isEmpty }
            try await loop.sleep(.milliseconds(1300))
            XCTAssertEqual(recorder.contexts.count, 1)
            XCTAssertEqual(recorder.contexts.first?.message, "socket.accept() out of system resource")
            XCTAssertEqual((recorder.contexts.first?.error as? OSError)?.errno, EMFILE)
            // Free descriptors: the pending clients are served.
            for fd in fillers { Glibc.close(fd) }
            fillers = []
            setrlimit(Int32(RLIMIT_NOFILE.rawValue), &saved)
            for client in clients { try await rawSendAll(loop, client, [42]) }
            for client in clients {
                let (bytes, _) = try await rawRead(loop, client, atLeast: 1)
                XCTAssertEqual(bytes, [42])
            }
            // And a new client too.
            let late = try await rawClient(loop, to: address)
            try await rawSendAll(loop, late, [43])
            let (bytes, _) = try await rawRead(loop, late, atLeast: 1)
            XCTAssertEqual(bytes, [43])
            XCTAssertEqual(recorder.contexts.count, 1)
            for client in clients + [late] { client.close() }
            server.close()
            server.abortClients()
            try await server.waitClosed()
        }
    }

    // The path/sock arguments of both Unix calls, one rule, each call with its own
    // wording for "neither". CPython: test_unix_events.SelectorEventLoopUnixSocketTests.
    // test_create_unix_server_nopath_nosock, test_create_unix_server_path_inetsock,
    // test_create_unix_server_path_dgram, test_create_unix_connection_path_inetsock,
    // test_create_unix_connection_path_sock, test_create_unix_connection_nopath_nosock
    func testUnixPathAndSockArgumentsAreChecked() {
        runLoopTest { loop, _ in
            let tcp = try Socket()
            let unixDatagram = try Socket(family: AF_UNIX, type: datagramType)
            let unixStream = try Socket(family: AF_UNIX)
            defer { tcp.close(); unixDatagram.close(); unixStream.close() }
            let path = "/tmp/asyncio-unix-args-\(getpid()).sock"
            let cases: [(String, nonisolated(nonsending) () async throws -> Void)] = [
                ("path was not specified, and no sock specified",
                 { _ = try await loop.createUnixServer({ TestEchoProtocol() }) }),
                ("path and sock can not be specified at the same time",
                 { _ = try await loop.createUnixServer({ TestEchoProtocol() }, path: path, sock: unixStream) }),
                ("A UNIX Domain Stream Socket was expected, got \(tcp)",
                 { _ = try await loop.createUnixServer({ TestEchoProtocol() }, sock: tcp) }),
                ("A UNIX Domain Stream Socket was expected, got \(unixDatagram)",
                 { _ = try await loop.createUnixServer({ TestEchoProtocol() }, sock: unixDatagram) }),
                ("no path and sock were specified",
                 { _ = try await loop.createUnixConnection({ RecordingProtocol() }) }),
                ("path and sock can not be specified at the same time",
                 { _ = try await loop.createUnixConnection({ RecordingProtocol() }, path: path, sock: unixStream) }),
                ("A UNIX Domain Stream Socket was expected, got \(tcp)",
                 { _ = try await loop.createUnixConnection({ RecordingProtocol() }, sock: tcp) }),
            ]
            for (message, call) in cases {
                let error = await thrownError { try await call() }
                XCTAssertEqual((error as? InvalidArgumentError)?.message, message)
            }
            XCTAssertNotEqual(access(path, F_OK), 0, "a refused call creates no socket file")
            XCTAssertGreaterThanOrEqual(unixStream.fileno, 0, "a refused call leaves the caller's socket open")
        }
    }

    // CPython: test_unix_events.SelectorEventLoopUnixSocketTests.test_create_unix_server_existing_path_sock
    // (a stale socket file is removed), test_create_unix_server_path_inetsock and the
    // cleanup_socket behaviour of 3.13 (removed on close unless replaced or disabled).
    func testUnixServerAndConnectionWithSocketFileCleanup() {
        runLoopTest { loop, _ in
            let directory = "/tmp/asyncio-unix-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
            mkdir(directory, 0o700)
            defer { rmdir(directory) }
            let path = directory + "/server.sock"
            // A stale socket file at the path.
            let stale = try Socket(family: AF_UNIX)
            try stale.bind(SocketAddress(unixPath: path))
            stale.close()
            XCTAssertEqual(access(path, F_OK), 0)

            let server = try await loop.createUnixServer({ TestEchoProtocol() }, path: path)
            XCTAssertEqual(try server.sockets[0].localAddress.path, path)
            let (transport, client) = try await loop.createUnixConnection({ RecordingProtocol() }, path: path)
            XCTAssertEqual(transport.peerName?.path, path)
            transport.write(Array("over unix".utf8))
            try await waitUntil(loop) { client.received.count == 9 }
            XCTAssertEqual(client.received, Array("over unix".utf8))
            transport.close()
            try await waitUntil(loop) { client.isLost }
            server.close()
            try await server.waitClosed()
            XCTAssertNotEqual(access(path, F_OK), 0, "the socket file is removed on close")

            // cleanupSocket: false keeps the file.
            let kept = try await loop.createUnixServer({ TestEchoProtocol() }, path: path, cleanupSocket: false)
            kept.close()
            try await kept.waitClosed()
            XCTAssertEqual(access(path, F_OK), 0)

            // A file that replaced ours is left alone.
            let replaced = try await loop.createUnixServer({ TestEchoProtocol() }, path: path)
            unlink(path)
            let other = try Socket(family: AF_UNIX)
            try other.bind(SocketAddress(unixPath: path))
            replaced.close()
            try await replaced.waitClosed()
            XCTAssertEqual(access(path, F_OK), 0)
            other.close()
            unlink(path)

            do {
                _ = try await loop.createUnixConnection({ RecordingProtocol() }, path: path)
                XCTFail("connecting to a missing path must fail")
            } catch let error as OSError {
                XCTAssertEqual(error.errno, ENOENT)
            }
        }
    }

    // CPython: test_base_events.BaseEventLoopWithSelectorTests.test_create_connection_multiple_errors
    // and test_create_connection_bluetooth-style checks: one failure is raised as is; sock
    // wraps a connected socket; connectAcceptedSocket serves an accepted one.
    func testCreateConnectionErrorsAndSockArguments() {
        runLoopTest { loop, _ in
            let closed = try Socket()
            try closed.bind(SocketAddress(ipv4: "127.0.0.1", port: 0))
            let deadAddress = try closed.localAddress
            closed.close()
            do {
                _ = try await loop.createConnection({ RecordingProtocol() }, host: "127.0.0.1", port: deadAddress.port)
                XCTFail("connecting to a closed port must fail")
            } catch let error as OSError {
                XCTAssertEqual(error.errno, ECONNREFUSED)
                XCTAssertEqual("\(error)", "[Errno \(ECONNREFUSED)] Connect call failed \(deadAddress)")
            }
            XCTAssertEqual("\(EventLoop.combinedConnectError([OSError(errno: 1, message: "a"), OSError(errno: 2, message: "b")]))",
                           "[Errno 0] Multiple exceptions: [Errno 1] a, [Errno 2] b")

            let server = try await RecordingServer(loop: loop, host: "127.0.0.1")
            let raw = try await rawClient(loop, to: server.address)
            let (transport, proto) = try await loop.createConnection({ RecordingProtocol() }, sock: raw)
            XCTAssertEqual(proto.events, [.made])
            XCTAssertTrue(raw.isClosed, "the transport took the descriptor")
            transport.write([5])
            let serverSide = try await server.connection(loop)
            try await waitUntil(loop) { serverSide.received == [5] }
            transport.close()

            let local = try await loop.createConnection({ RecordingProtocol() }, host: "127.0.0.1", port: server.address.port,
                                                       localAddress: (host: "127.0.0.1", port: 0))
            XCTAssertEqual(local.0.sockName?.host, "127.0.0.1")
            local.0.abort()
            try await server.close()
        }
    }
}

/// Conforms to `ConnectionProtocol` directly, so no stream transport can drive it.
final class NeitherKindProtocol: ConnectionProtocol {}
