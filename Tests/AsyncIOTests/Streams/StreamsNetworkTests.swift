@testable import AsyncIO
import Glibc
import XCTest

/// A line-echo server on 127.0.0.1, port 0; returns it and its port.
private func startLineEchoServer(_ loop: isolated EventLoop) async throws -> (Server, Int) {
    let server = try await loop.startServer(host: "127.0.0.1", port: 0) { reader, writer in
        for try await line in reader {
            writer.write(line)
            try await writer.drain()
        }
        writer.close()
    }
    return (server, server.sockets[0].localAddressPort)
}


/// Streams over real TCP and Unix sockets: openConnection, startServer and the writer's
/// flow control end to end.
final class StreamsNetworkTests: XCTestCase {
    // CPython: test_streams.StreamTests.test_open_connection and test_start_server
    func testOpenConnectionAndStartServer() {
        runLoopTest { loop, _ in
            let (server, port) = try await startLineEchoServer(loop)
            let (reader, writer) = try await loop.openConnection(host: "127.0.0.1", port: port)
            writer.write(Array("hello\n".utf8))
            writer.writeLines([Array("wor".utf8), Array("ld\n".utf8)])
            try await writer.drain()
            let first = try await withTimeout(.seconds(10)) { try await reader.readLine() }
            let second = try await withTimeout(.seconds(10)) { try await reader.readLine() }
            XCTAssertEqual(first, Array("hello\n".utf8))
            XCTAssertEqual(second, Array("world\n".utf8))
            XCTAssertEqual(writer.getExtraInfo("peername") as? SocketAddress, try SocketAddress(ipv4: "127.0.0.1", port: port))
            writer.close()
            try await writer.waitClosed()
            server.close()
            try await server.waitClosed()
        }
    }

    // CPython: test_streams.StreamTests.test_open_unix_connection and test_start_unix_server
    func testUnixStreams() {
        runLoopTest { loop, _ in
            let path = "/tmp/asyncio-streams-\(getpid())-\(UInt32.random(in: 0...UInt32.max)).sock"
            let server = try await loop.startUnixServer(path: path) { reader, writer in
                let line = try await reader.readLine()
                writer.write(Array("echo: ".utf8) + line)
                try await writer.drain()
                writer.close()
            }
            let (reader, writer) = try await loop.openUnixConnection(path: path)
            writer.write(Array("unix\n".utf8))
            let answer = try await withTimeout(.seconds(10)) { try await reader.read() }
            XCTAssertEqual(String(decoding: answer, as: UTF8.self), "echo: unix\n")
            writer.close()
            try await writer.waitClosed()
            server.close()
            try await server.waitClosed()
            XCTAssertEqual(access(path, F_OK), -1, "the socket file is removed on close")
        }
    }

    // CPython: test_streams.StreamTests.test_open_connection_error (a refused connection)
    func testOpenConnectionToAClosedPortIsRefused() {
        runLoopTest { loop, _ in
            let probe = try Socket(family: AF_INET)
            try probe.bind(try SocketAddress(ipv4: "127.0.0.1", port: 0))
            let port = try probe.localAddress.port!
            probe.close()
            do {
                _ = try await loop.openConnection(host: "127.0.0.1", port: port)
                XCTFail("expected ECONNREFUSED")
            } catch let error as OSError {
                XCTAssertEqual(error.errno, ECONNREFUSED)
                XCTAssertTrue(error.message.contains("127.0.0.1"), error.message)
            }
        }
    }

    // open_connection passes create_connection's keywords through (here allErrors and a
    // Happy Eyeballs delay): a refused connection comes back as ConnectionAttemptsError.
    func testOpenConnectionForwardsCreateConnectionKeywords() {
        runLoopTest { loop, _ in
            let probe = try Socket(family: AF_INET)
            try probe.bind(try SocketAddress(ipv4: "127.0.0.1", port: 0))
            let port = try probe.localAddress.port!
            probe.close()
            do {
                _ = try await loop.openConnection(host: "127.0.0.1", port: port,
                                                  happyEyeballsDelay: .milliseconds(250), allErrors: true)
                XCTFail("expected ConnectionAttemptsError")
            } catch let error as ConnectionAttemptsError {
                XCTAssertEqual(error.errors.count, 1)
                XCTAssertEqual((error.errors.first as? OSError)?.errno, ECONNREFUSED)
            }
        }
    }

    // CPython: test_streams.StreamTests.test_drain_raises (the peer is a plain thread that
    // accepts and closes at once; drain must give up the loop and raise, not spin)
    func testDrainRaisesAfterThePeerCloses() {
        runLoopTest { loop, recorder in
            let listener = try Socket(family: AF_INET)
            try listener.bind(try SocketAddress(ipv4: "127.0.0.1", port: 0))
            try listener.listen(backlog: 1)
            try listener.setBlocking(true)
            let port = try listener.localAddress.port!
            let listeningFD = listener.fileno
            let peer = Thread {
                let fd = accept(listeningFD, nil, nil)
                if fd >= 0 { close(fd) }
            }
            peer.start()
            let (_, writer) = try await loop.openConnection(host: "127.0.0.1", port: port)
            var failure: (any Error)?
            let deadline = loop.time() + 30
            while loop.time() < deadline {
                writer.write(Array("foo\n".utf8))
                do {
                    try await writer.drain()
                } catch {
                    failure = error
                    break
                }
            }
            let errno = (failure as? OSError)?.errno
            XCTAssertTrue([ECONNRESET, EPIPE, ECONNABORTED].contains(errno ?? 0), "\(String(describing: failure))")
            XCTAssertTrue(recorder.contexts.isEmpty)
            writer.close()
            listener.close()
        }
    }

    // CPython: test_streams.StreamTests.test_multiple_drain, over a real transport: a peer
    // that does not read pauses writing; ten drains wait; all return once it reads.
    func testSeveralConcurrentDrainsAllReturn() {
        runLoopTest { loop, _ in
            let release = loop.createFuture(of: Void.self)
            let received = Box(0)
            let server = try await loop.startServer(host: "127.0.0.1", port: 0) { reader, writer in
                try await release.value
                while true {
                    let chunk = try await reader.read(65536)
                    if chunk.isEmpty { break }
                    received.value += chunk.count
                }
                writer.close()
            }
            let (_, writer) = try await loop.openConnection(host: "127.0.0.1", port: server.sockets[0].localAddressPort)
            let written = try await writeUntilPaused(loop, writer, [UInt8](repeating: 0x61, count: 1 << 20), limit: 256 << 20)
            XCTAssertTrue(writer.flowControl.isWritingPaused)
            let drained = Box(0)
            let drains = (0..<10).map { _ in loop.createTask { try await writer.drain(); drained.value += 1 } }
            try await loop.sleep(.milliseconds(10))
            XCTAssertEqual(drained.value, 0)
            XCTAssertEqual(writer.flowControl.drainWaiterCount, 10)
            try release.setResult(())
            for drain in drains { try await withTimeout(.seconds(30)) { try await drain.value } }
            XCTAssertEqual(drained.value, 10)
            writer.close()
            try await writer.waitClosed()
            server.close()
            try await withTimeout(.seconds(30)) { try await server.waitClosed() }
            XCTAssertEqual(received.value, written)
        }
    }

    // CPython: test_streams.StreamTests.test_wait_closed_on_close_with_unread_data
    func testWaitClosedWithUnreadData() {
        runLoopTest { loop, _ in
            let server = try await loop.startServer(host: "127.0.0.1", port: 0) { _, writer in
                writer.write(Array("HTTP/1.0 200 OK\r\nmore data the client never reads\r\n".utf8))
                try await writer.drain()
                writer.close()
            }
            let (reader, writer) = try await loop.openConnection(host: "127.0.0.1", port: server.sockets[0].localAddressPort)
            let line = try await withTimeout(.seconds(10)) { try await reader.readLine() }
            XCTAssertEqual(line, Array("HTTP/1.0 200 OK\r\n".utf8))
            XCTAssertFalse(writer.isClosing)
            writer.close()
            XCTAssertTrue(writer.isClosing)
            try await withTimeout(.seconds(10)) { try await writer.waitClosed() }
            server.close()
            try await server.waitClosed()
        }
    }

    // CPython: test_streams.StreamTests.test_async_writer_api_exception_after_close
    func testWriteAndDrainAfterCloseThrowConnectionReset() {
        runLoopTest { loop, recorder in
            let (server, port) = try await startLineEchoServer(loop)
            let (_, writer) = try await loop.openConnection(host: "127.0.0.1", port: port)
            writer.close()
            writer.write(Array("data".utf8))
            do {
                try await writer.drain()
                XCTFail("expected a connection reset")
            } catch let error as OSError {
                XCTAssertEqual(error.errno, ECONNRESET)
            }
            XCTAssertTrue(recorder.contexts.isEmpty)
            server.close()
            try await server.waitClosed()
        }
    }

    // CPython: test_streams.StreamTests.test_eof_feed_when_closing_writer
    func testClosingTheWriterFeedsEOFToTheReader() {
        runLoopTest { loop, _ in
            let (server, port) = try await startLineEchoServer(loop)
            let (reader, writer) = try await loop.openConnection(host: "127.0.0.1", port: port)
            writer.close()
            try await withTimeout(.seconds(10)) { try await writer.waitClosed() }
            XCTAssertTrue(reader.atEOF)
            let rest = try await reader.read()
            XCTAssertEqual(rest, [])
            server.close()
            try await server.waitClosed()
        }
    }

    // CPython: test_streams.StreamTests.test_start_server (the callback's error path,
    // streams.py's client_connected_cb done-callback in 3.13)
    func testClientCallbackErrorGoesToTheExceptionHandlerAndClosesTheConnection() {
        struct HandlerFailed: Error {}
        runLoopTest(expectExceptions: true) { loop, recorder in
            let server = try await loop.startServer(host: "127.0.0.1", port: 0) { _, _ in
                throw HandlerFailed()
            }
            let (reader, writer) = try await loop.openConnection(host: "127.0.0.1", port: server.sockets[0].localAddressPort)
            let rest = try await withTimeout(.seconds(10)) { try await reader.read() }
            XCTAssertEqual(rest, [], "the server closes the connection")
            XCTAssertEqual(recorder.contexts.count, 1)
            XCTAssertTrue(recorder.contexts.first?.error is HandlerFailed)
            writer.close()
            try await writer.waitClosed()
            server.close()
            try await server.waitClosed()
        }
    }

    /// 100 MiB in 64 KiB chunks through a streams echo server; every byte checked. The
    /// reader's back-pressure and the writer's drain bound the memory in flight: the
    /// buffers stay under their marks at every step.
    func testStreamsEcho100MiBIntactWithBoundedBuffers() {
        runLoopTest(timeout: .seconds(300)) { loop, _ in
            let limit = 65536
            let peakServerBuffer = Box(0)
            let serverPaused = Box(false)
            let server = try await loop.startServer(host: "127.0.0.1", port: 0, limit: limit) { reader, writer in
                while true {
                    peakServerBuffer.value = max(peakServerBuffer.value, reader.buffer.count)
                    if reader.paused { serverPaused.value = true }
                    let data = try await reader.read(65536)
                    if data.isEmpty { break }
                    writer.write(data)
                    try await writer.drain()
                }
                writer.close()
            }
            let (reader, writer) = try await loop.openConnection(host: "127.0.0.1", port: server.sockets[0].localAddressPort, limit: limit)
            let total = 100 << 20
            let chunkSize = 64 << 10
            // A byte pattern with a prime period, so a shifted, dropped or repeated chunk
            // cannot line up with the expected bytes.
            let period = 65521
            let pattern = (0..<(period + 2 * chunkSize)).map { UInt8(truncatingIfNeeded: ($0 % period) &* 7 &+ ($0 % period) >> 8) }
            let sender = loop.createTask { () -> Int in
                var sent = 0
                var peak = 0
                while sent < total {
                    let start = sent % period
                    writer.write(Array(pattern[start..<(start + chunkSize)]))
                    sent += chunkSize
                    peak = max(peak, writer.transport.writeBufferSize)
                    try await writer.drain()
                }
                writer.writeEOF()
                return peak
            }
            var received = 0
            var mismatches = 0
            while true {
                let data = try await reader.read(65536)
                if data.isEmpty { break }
                let start = received % period
                let same = data.withUnsafeBytes { got in
                    pattern.withUnsafeBytes { want in memcmp(got.baseAddress!, want.baseAddress! + start, got.count) == 0 }
                }
                if !same { mismatches += 1 }
                received += data.count
            }
            let peakClientWriteBuffer = try await sender.value
            XCTAssertEqual(received, total)
            XCTAssertEqual(mismatches, 0)
            // The writer never runs more than one chunk past its high-water mark...
            XCTAssertLessThanOrEqual(peakClientWriteBuffer, 64 * 1024 + chunkSize)
            // ...and the server's reader stops its transport at 2 × limit (one more read of
            // up to 64 KiB may land before the pause takes effect).
            XCTAssertLessThanOrEqual(peakServerBuffer.value, 2 * limit + 65536)
            writer.close()
            try await writer.waitClosed()
            server.close()
            try await server.waitClosed()
        }
    }

    // A read woken by bytes from a real socket, whose task is cancelled in the same loop
    // iteration (from the transport's read callback, before the task resumes), throws
    // CancellationError and the next read gets the bytes.
    // CPython: tasks.Task.cancel (_must_cancel) over streams.StreamReader._wait_for_data.
    func testReadWokenBySocketDataThenCancelledKeepsTheBytes() {
        /// `StreamReaderProtocol` with a hook that runs right after the reader got bytes.
        final class HookedStreamProtocol: BufferedProtocol {
            let inner: StreamReaderProtocol
            var afterData: (() -> Void)?
            init(_ inner: StreamReaderProtocol) { self.inner = inner }
            func connectionMade(_ transport: any Transport) { inner.connectionMade(transport) }
            func getBuffer(_ sizeHint: Int) -> UnsafeMutableRawBufferPointer { inner.getBuffer(sizeHint) }
            func bufferUpdated(_ count: Int) {
                inner.bufferUpdated(count)
                afterData?()
                afterData = nil
            }
            func eofReceived() -> Bool { inner.eofReceived() }
            func connectionLost(_ error: (any Error)?) { inner.connectionLost(error) }
        }
        runLoopTest { loop, _ in
            let (server, port) = try await startLineEchoServer(loop)
            let reader = try StreamReader(loop: loop)
            let (transport, hooked) = try await loop.createConnection(
                { HookedStreamProtocol(StreamReaderProtocol(reader: reader, loop: loop)) },
                host: "127.0.0.1", port: port)
            let readTask = loop.createTask { try await reader.read(100) }
            try await loop.runBriefly()
            XCTAssertTrue(reader.hasWaiter)
            hooked.afterData = { readTask.cancel() }
            transport.write(Array("hello\n".utf8))
            let result = try await withTimeout(.seconds(10)) { await readTask.result }
            XCTAssertThrowsError(try result.get()) { XCTAssertTrue($0 is CancellationError, "\($0)") }
            let line = try await withTimeout(.seconds(10)) { try await reader.readLine() }
            XCTAssertEqual(text(line), "hello\n")
            transport.close()
            server.close()
            try await withTimeout(.seconds(10)) { try await server.waitClosed() }
        }
    }

    /// One client per task, 500 at once, each exchanging 100 lines with a streams server.
    func testFiveHundredConcurrentClientsExchangeOneHundredLinesEach() {
        runLoopTest(timeout: .seconds(300)) { loop, _ in
            let (server, port) = try await startLineEchoServer(loop)
            let clients = 500
            let lines = 100
            // One loop task per client: a task group's children are not the loop's code, so
            // they could not use the loop's readers and writers.
            let tasks = (0..<clients).map { client in
                    loop.createTask { () -> Int in
                        let (reader, writer) = try await loop.openConnection(host: "127.0.0.1", port: port)
                        var correct = 0
                        for line in 0..<lines {
                            let text = Array("client \(client) line \(line)\n".utf8)
                            writer.write(text)
                            try await writer.drain()
                            if try await reader.readLine() == text { correct += 1 }
                        }
                        writer.close()
                        try await writer.waitClosed()
                        return correct
                    }
            }
            var results: [Int] = []
            for task in tasks { results.append(try await task.value) }
            XCTAssertEqual(results.count, clients)
            XCTAssertEqual(results.reduce(0, +), clients * lines)
            server.close()
            try await withTimeout(.seconds(30)) { try await server.waitClosed() }
        }
    }
}

extension Socket {
    /// The bound port (tests).
    var localAddressPort: Int { (try? localAddress.port) ?? nil ?? 0 }
}
