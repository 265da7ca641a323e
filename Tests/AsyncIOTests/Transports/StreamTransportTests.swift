@testable import AsyncIO
import Glibc
import XCTest

final class StreamTransportTests: XCTestCase {
    var hosts: [String] { hasIPv6Loopback ? ["127.0.0.1", "::1"] : ["127.0.0.1"] }

    // CPython: test_events.EventLoopTestsMixin.test_create_server (MyProto's state machine:
    // INITIAL → CONNECTED → EOF → CLOSED) and test_selector_events
    // SelectorSocketTransportTests.test_read_eof_received_error / test_read_ready_eof.
    func testCallbackOrderWithEOFThenClose() {
        for host in hosts {
            runLoopTest { loop, _ in
                let server = try await RecordingServer(loop: loop, host: host)
                let client = try await rawClient(loop, to: server.address)
                try await rawSendAll(loop, client, Array("hello".utf8))
                try client.shutdown(Int32(SHUT_WR))
                let proto = try await server.connection(loop)
                try await waitUntil(loop) { proto.isLost }
                XCTAssertEqual(proto.events, [.made, .data, .eof, .lostClean], host)
                XCTAssertEqual(proto.received, Array("hello".utf8))
                // eofReceived returned false: the transport closed, the peer sees EOF.
                let (_, eof) = try await rawRead(loop, client, atLeast: 0, untilEOF: true)
                XCTAssertTrue(eof)
                client.close()
                try await server.close()
            }
        }
    }

    // CPython: test_selector_events.SelectorSocketTransportTests.test_read_eof_received_true
    // (keep_open: the reader is removed, the transport stays open and can still write).
    func testEOFReceivedTrueKeepsTransportHalfOpen() {
        for host in hosts {
            runLoopTest { loop, _ in
                let server = try await RecordingServer(loop: loop, host: host) { $0.keepOpenOnEOF = true }
                let client = try await rawClient(loop, to: server.address)
                try client.shutdown(Int32(SHUT_WR))
                let proto = try await server.connection(loop)
                try await waitUntil(loop) { proto.events.contains(.eof) }
                try await loop.sleep(.milliseconds(20))
                let transport = try XCTUnwrap(proto.transport)
                XCTAssertFalse(transport.isClosing)
                XCTAssertEqual(proto.events, [.made, .eof])
                transport.write(Array("after eof".utf8))
                let (bytes, _) = try await rawRead(loop, client, atLeast: 9)
                XCTAssertEqual(bytes, Array("after eof".utf8))
                transport.close()
                let (_, eof) = try await rawRead(loop, client, atLeast: 0, untilEOF: true)
                XCTAssertTrue(eof)
                try await waitUntil(loop) { proto.isLost }
                XCTAssertEqual(proto.events, [.made, .eof, .lostClean])
                client.close()
                try await server.close()
            }
        }
    }

    // CPython: test_selector_events.SelectorSocketTransportTests.test_write_exception /
    // test_read_ready_conn_reset (a reset is a connection loss carrying the OSError, and
    // not a call of the exception handler), test_write_ready_exception.
    func testPeerResetMidWriteLosesConnectionOnceWithError() {
        for host in hosts {
            runLoopTest { loop, _ in
                let server = try await RecordingServer(loop: loop, host: host)
                let client = try await rawClient(loop, to: server.address)
                let proto = try await server.connection(loop)
                let transport = try XCTUnwrap(proto.transport)
                let chunk = pattern(256 * 1024)
                for _ in 0..<32 { transport.write(chunk) }
                XCTAssertGreaterThan(transport.writeBufferSize, 0)
                setLingerZero(client)
                client.close()
                try await waitUntil(loop) { proto.isLost }
                try await loop.sleep(.milliseconds(20))
                XCTAssertEqual(proto.lostCount, 1)
                let code = (proto.lostError as? OSError)?.errno
                XCTAssertTrue(code == ECONNRESET || code == EPIPE, "lost with \(String(describing: proto.lostError))")
                XCTAssertEqual(proto.events.first, .made)
                XCTAssertEqual(transport.writeBufferSize, 0)
                try await server.close()
            }
        }
    }

    // CPython: test_selector_events.SelectorSocketTransportTests.test_write_closing
    // (writes after the loss are dropped; the fifth and later log "socket.send() raised
    // exception.").
    func testWritesAfterConnectionLostAreIgnoredThenWarned() {
        runLoopTest { loop, _ in
            let log = CapturedLog()
            loop.logger = log.logger
            let server = try await RecordingServer(loop: loop, host: "127.0.0.1")
            let client = try await rawClient(loop, to: server.address)
            let proto = try await server.connection(loop)
            let transport = try XCTUnwrap(proto.transport)
            transport.abort()
            try await waitUntil(loop) { proto.isLost }
            for _ in 0..<3 { transport.write([1, 2, 3]) }
            XCTAssertEqual(log.entries.filter { $0.level == .warning }.count, 0)
            transport.write([4])
            transport.writeLines([[5], [6]])
            XCTAssertEqual(log.entries.filter { $0.message == "socket.send() raised exception." }.count, 1)
            XCTAssertEqual(transport.writeBufferSize, 0)
            client.close()
            try await server.close()
        }
    }

    // CPython: test_transports.TransportTests.test_flowcontrol_mixin_set_write_limits and
    // test_selector_events.SelectorSocketTransportTests.test_set_write_buffer_limits.
    func testSetWriteBufferLimitsDefaultsAndInvalidValues() {
        runLoopTest { loop, _ in
            let server = try await RecordingServer(loop: loop, host: "127.0.0.1")
            let client = try await rawClient(loop, to: server.address)
            let connection = try await server.connection(loop)
            let transport = try XCTUnwrap(connection.transport)
            XCTAssertTrue(transport.writeBufferLimits == (low: 16 * 1024, high: 64 * 1024))
            try transport.setWriteBufferLimits(high: 1024, low: 128)
            XCTAssertTrue(transport.writeBufferLimits == (low: 128, high: 1024))
            try transport.setWriteBufferLimits(high: 1024, low: nil)
            XCTAssertTrue(transport.writeBufferLimits == (low: 256, high: 1024))
            try transport.setWriteBufferLimits(high: nil, low: 100)
            XCTAssertTrue(transport.writeBufferLimits == (low: 100, high: 400))
            try transport.setWriteBufferLimits(high: nil, low: nil)
            XCTAssertTrue(transport.writeBufferLimits == (low: 16 * 1024, high: 64 * 1024))
            XCTAssertThrowsError(try transport.setWriteBufferLimits(high: 0, low: 1)) { error in
                XCTAssertEqual("\(error)", "high (0) must be >= low (1) must be >= 0")
            }
            XCTAssertThrowsError(try transport.setWriteBufferLimits(high: -1, low: nil)) { error in
                XCTAssertEqual(error as? WriteBufferLimitsError, WriteBufferLimitsError(high: -1, low: -1))
            }
            XCTAssertTrue(transport.writeBufferLimits == (low: 16 * 1024, high: 64 * 1024), "unchanged after errors")
            client.close()
            try await server.close()
        }
    }

    // CPython: test_selector_events.SelectorSocketTransportTests.test_pause_resume_reading
    // (both idempotent; no data while paused).
    func testPauseResumeReadingIsIdempotent() {
        runLoopTest { loop, _ in
            let server = try await RecordingServer(loop: loop, host: "127.0.0.1")
            let client = try await rawClient(loop, to: server.address)
            let proto = try await server.connection(loop)
            let transport = try XCTUnwrap(proto.transport)
            XCTAssertTrue(transport.isReading)
            transport.pauseReading()
            transport.pauseReading()
            XCTAssertFalse(transport.isReading)
            try await rawSendAll(loop, client, Array("while paused".utf8))
            try await loop.sleep(.milliseconds(50))
            XCTAssertEqual(proto.received, [])
            transport.resumeReading()
            transport.resumeReading()
            XCTAssertTrue(transport.isReading)
            try await waitUntil(loop) { proto.received.count == 12 }
            XCTAssertEqual(proto.received, Array("while paused".utf8))
            transport.close()
            XCTAssertFalse(transport.isReading)
            transport.resumeReading()
            XCTAssertFalse(transport.isReading)
            client.close()
            try await server.close()
        }
    }

    // CPython: test_selector_events.SelectorSocketTransportTests.test_write_ready_partial /
    // test_transports flow control; asyncio's _FlowControlMixin: pause_writing once above
    // the high mark, resume_writing once at or below the low mark.
    func testFlowControlPausesOnceAndResumesOnceOverEightMiB() {
        for host in hosts {
            runLoopTest { loop, _ in
                let server = try await RecordingServer(loop: loop, host: host)
                let client = try await rawClient(loop, to: server.address)
                let proto = try await server.connection(loop)
                let transport = try XCTUnwrap(proto.transport)
                let chunk = pattern(64 * 1024)
                var written = 0
                var maxBuffered = 0
                for _ in 0..<128 {
                    transport.write(chunk)
                    written += chunk.count
                    maxBuffered = max(maxBuffered, transport.writeBufferSize)
                    XCTAssertLessThanOrEqual(transport.writeBufferSize, written)
                }
                XCTAssertEqual(written, 8 * 1024 * 1024)
                XCTAssertGreaterThan(transport.writeBufferSize, 64 * 1024)
                XCTAssertEqual(proto.count(.pause), 1)
                XCTAssertEqual(proto.count(.resume), 0)
                // The peer starts reading: everything arrives, the protocol resumes once.
                let (bytes, _) = try await rawRead(loop, client, atLeast: written)
                XCTAssertEqual(bytes.count, written)
                XCTAssertTrue(bytes.withUnsafeBufferPointer { all in
                    stride(from: 0, to: written, by: chunk.count).allSatisfy { Array(all[$0..<$0 + chunk.count]) == chunk }
                })
                try await waitUntil(loop) { transport.writeBufferSize == 0 && proto.count(.resume) == 1 }
                XCTAssertEqual(proto.events, [.made, .pause, .resume])
                XCTAssertLessThanOrEqual(maxBuffered, written)
                client.close()
                try await server.close()
            }
        }
    }

    // asyncio's writelines: one vectored write; flow control applies to it as well.
    func testWriteLinesSendsInOrderAndPauses() {
        runLoopTest { loop, _ in
            let server = try await RecordingServer(loop: loop, host: "127.0.0.1")
            let client = try await rawClient(loop, to: server.address)
            let proto = try await server.connection(loop)
            let transport = try XCTUnwrap(proto.transport)
            transport.writeLines([Array("a".utf8), [], Array("bc".utf8), Array("def".utf8)])
            let (small, _) = try await rawRead(loop, client, atLeast: 6)
            XCTAssertEqual(small, Array("abcdef".utf8))
            let lines = (0..<64).map { pattern(64 * 1024 + $0) }
            transport.writeLines(lines)
            XCTAssertEqual(proto.count(.pause), 1)
            let total = lines.reduce(0) { $0 + $1.count }
            let (bytes, _) = try await rawRead(loop, client, atLeast: total)
            XCTAssertEqual(bytes, Array(lines.joined()))
            try await waitUntil(loop) { proto.count(.resume) == 1 }
            // More lines than one vectored write takes at once: joined, still in order.
            let many = (0..<1000).map { Array("line \($0)\n".utf8) }
            transport.writeLines(many)
            let manyTotal = many.reduce(0) { $0 + $1.count }
            let (joined, _) = try await rawRead(loop, client, atLeast: manyTotal)
            XCTAssertEqual(joined, Array(many.joined()))
            client.close()
            try await server.close()
        }
    }

    // CPython: test_selector_events.SelectorSocketTransportTests.test_write_eof_buffer:
    // the EOF goes out after every buffered byte.
    func testWriteEOFAfterLargeWriteDeliversEverythingThenEOF() {
        for host in hosts {
            runLoopTest { loop, _ in
                let server = try await RecordingServer(loop: loop, host: host)
                let client = try await rawClient(loop, to: server.address)
                let proto = try await server.connection(loop)
                let transport = try XCTUnwrap(proto.transport)
                let data = pattern(4 * 1024 * 1024 + 17)
                transport.write(data)
                XCTAssertTrue(transport.canWriteEOF)
                transport.writeEOF()
                transport.writeEOF()
                XCTAssertFalse(transport.isClosing)
                let (bytes, eof) = try await rawRead(loop, client, atLeast: 0, untilEOF: true)
                XCTAssertTrue(eof)
                XCTAssertEqual(bytes.count, data.count)
                XCTAssertTrue(bytes == data)
                // Still readable after our EOF (half-close).
                try await rawSendAll(loop, client, Array("late".utf8))
                try await waitUntil(loop) { proto.received == Array("late".utf8) }
                client.close()
                try await waitUntil(loop) { proto.isLost }
                XCTAssertEqual(proto.events, [.made, .pause, .resume, .data, .eof, .lostClean])
                try await server.close()
            }
        }
    }

    // CPython: test_selector_events.SelectorSocketTransportTests.test_close_write_buffer /
    // SelectorTransportTests.test_close (connection_lost is scheduled, never called from
    // inside close(); the buffer is flushed first).
    func testCloseFlushesThenClosesAndLosesConnectionLater() {
        runLoopTest { loop, _ in
            let server = try await RecordingServer(loop: loop, host: "127.0.0.1")
            let client = try await rawClient(loop, to: server.address)
            let proto = try await server.connection(loop)
            let transport = try XCTUnwrap(proto.transport)
            let data = pattern(4 * 1024 * 1024)
            transport.write(data)
            XCTAssertGreaterThan(transport.writeBufferSize, 0)
            transport.close()
            XCTAssertTrue(transport.isClosing)
            XCTAssertFalse(proto.isLost, "connectionLost must not run inside close()")
            transport.close()
            try await loop.sleep(.milliseconds(20))
            XCTAssertFalse(proto.isLost, "connectionLost waits for the flush")
            let (bytes, eof) = try await rawRead(loop, client, atLeast: 0, untilEOF: true)
            XCTAssertTrue(eof)
            XCTAssertTrue(bytes == data)
            try await waitUntil(loop) { proto.isLost }
            XCTAssertEqual(proto.lostCount, 1)
            XCTAssertEqual(proto.events.last, .lostClean)
            XCTAssertEqual(transport.socket?.fileno, -1)

            // An idle transport: close() schedules connectionLost(nil) for later.
            let client2 = try await rawClient(loop, to: server.address)
            let proto2 = try await server.connection(loop, 1)
            proto2.transport!.close()
            XCTAssertFalse(proto2.isLost)
            try await waitUntil(loop) { proto2.isLost }
            XCTAssertEqual(proto2.events, [.made, .lostClean])
            client.close()
            client2.close()
            try await server.close()
        }
    }

    // CPython: test_selector_events.SelectorTransportTests.test_abort / test_force_close:
    // the buffer is dropped, connection_lost(None) comes later.
    func testAbortDropsBufferAndLosesConnectionLater() {
        runLoopTest { loop, _ in
            let server = try await RecordingServer(loop: loop, host: "127.0.0.1")
            let client = try await rawClient(loop, to: server.address)
            let proto = try await server.connection(loop)
            let transport = try XCTUnwrap(proto.transport)
            let data = pattern(8 * 1024 * 1024)
            transport.write(data)
            XCTAssertGreaterThan(transport.writeBufferSize, 0)
            transport.abort()
            XCTAssertFalse(proto.isLost, "connectionLost must not run inside abort()")
            XCTAssertEqual(transport.writeBufferSize, 0)
            transport.abort()
            transport.close()
            try await waitUntil(loop) { proto.isLost }
            XCTAssertEqual(proto.events, [.made, .pause, .lostClean])
            var received = 0
            var buffer = [UInt8](repeating: 0, count: 1 << 20)
            let deadline = loop.time() + 10
            reading: while loop.time() < deadline {
                let attempt = try? buffer.withUnsafeMutableBytes { try client.tryRecv(into: $0) }
                switch attempt {
                case .done(0), nil: break reading
                case .done(let n): received += n
                case .wouldBlock: try await loop.sleep(.milliseconds(1))
                }
            }
            XCTAssertLessThan(received, data.count, "abort dropped the buffered bytes")
            client.close()
            try await server.close()
        }
    }

    // asyncio's get_extra_info: peername, sockname, socket; _set_nodelay on TCP.
    func testExtraInfoAndNoDelay() {
        for host in hosts {
            runLoopTest { loop, _ in
                let server = try await RecordingServer(loop: loop, host: host)
                let client = try await rawClient(loop, to: server.address)
                let connection = try await server.connection(loop)
                let transport = try XCTUnwrap(connection.transport)
                XCTAssertEqual(transport.peerName, try client.localAddress)
                XCTAssertEqual(transport.sockName, server.address)
                XCTAssertEqual(transport.getExtraInfo("peername") as? SocketAddress, try client.localAddress)
                XCTAssertEqual(transport.getExtraInfo("sockname") as? SocketAddress, server.address)
                XCTAssertNil(transport.getExtraInfo("nonexistent"))
                let socket = try XCTUnwrap(transport.getExtraInfo("socket") as? Socket)
                XCTAssertTrue(socket === transport.socket)
                XCTAssertTrue(socket.isTransportView)
                XCTAssertNotEqual(try socket.getOption(level: Int32(IPPROTO_TCP), name: TCP_NODELAY), 0)
                XCTAssertTrue(loop.transportDescriptors.contains(socket.fileno))
                let fd = socket.fileno
                transport.close()
                XCTAssertFalse(loop.transportDescriptors.contains(fd))
                XCTAssertEqual(socket.fileno, -1)
                client.close()
                try await server.close()
            }
        }
    }

    // CPython: test_buffered_proto.BaseTestBufferedProtocol.test_buffered_proto_create_connection
    // (100-byte buffers from get_buffer, NOISE = b'12345678+' * 1024 arrives intact).
    func testBufferedProtocolWithHundredByteBuffersReceivesNoiseIntact() {
        final class ReceiveStuffProto: BufferedProtocol, @unchecked Sendable {
            let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 100, alignment: 1)
            var data: [UInt8] = []
            var updates = 0
            var transport: (any Transport)?
            var lost = false
            var lostError: (any Error)?
            let noise: [UInt8]
            init(noise: [UInt8]) { self.noise = noise }
            deinit { buffer.deallocate() }
            func connectionMade(_ transport: any Transport) { self.transport = transport }
            func getBuffer(_ sizeHint: Int) -> UnsafeMutableRawBufferPointer {
                XCTAssertEqual(sizeHint, -1)
                return buffer
            }
            func bufferUpdated(_ count: Int) {
                XCTAssertLessThanOrEqual(count, 100)
                updates += 1
                data += UnsafeRawBufferPointer(rebasing: buffer[..<count])
                if data == noise { transport?.write(Array("1".utf8)) }
            }
            func connectionLost(_ error: (any Error)?) {
                lost = true
                lostError = error
                transport = nil
            }
        }
        let noise = Array(String(repeating: "12345678+", count: 1024).utf8)
        runLoopTest { loop, _ in
            let server = try await RecordingServer(loop: loop, host: "127.0.0.1") { proto in
                proto.onMade = { $0.write(noise) }
                proto.onData = { [unowned proto] data in if data == Array("1".utf8) { proto.transport?.close() } }
            }
            let (_, client) = try await loop.createConnection({ ReceiveStuffProto(noise: noise) },
                                                              host: "127.0.0.1", port: server.address.port)
            try await waitUntil(loop) { client.lost }
            XCTAssertNil(client.lostError)
            XCTAssertTrue(client.data == noise)
            XCTAssertGreaterThanOrEqual(client.updates, noise.count / 100)
            try await server.close()
        }
    }

    // The asyncio-echo protocol modes over real sockets: a streaming echo
    // (EchoServerProtocol) and a BufferedProtocol echo with a 64 KiB buffer.
    func testEchoProtocolsEchoOneMiB() {
        for buffered in [false, true] {
            for host in hosts {
                runLoopTest { loop, _ in
                    let server = buffered
                        ? try await loop.createServer({ TestBufferedEchoProtocol() }, host: host, port: 0)
                        : try await loop.createServer({ TestEchoProtocol() }, host: host, port: 0)
                    let port = try server.sockets[0].localAddress.port
                    let (transport, client) = try await loop.createConnection({ RecordingProtocol() }, host: host, port: port)
                    let data = pattern(1 << 20)
                    transport.write(data)
                    try await waitUntil(loop) { client.received.count >= data.count }
                    XCTAssertTrue(client.received == data)
                    transport.close()
                    try await waitUntil(loop) { client.isLost }
                    server.close()
                    try await withTimeout(.seconds(10)) { try await server.waitClosed() }
                }
            }
        }
    }

    // A protocol callback that fails (an empty getBuffer) is asyncio's _fatal_error: the
    // exception handler hears of it and the transport closes with the error.
    // CPython: test_selector_events.SelectorSocketTransportBufferedProtocolTests.test_get_buffer_zerosized.
    func testEmptyGetBufferIsReportedAndClosesTransport() {
        final class EmptyBufferProto: BufferedProtocol, @unchecked Sendable {
            var lostError: (any Error)?
            var lost = false
            func getBuffer(_ sizeHint: Int) -> UnsafeMutableRawBufferPointer { UnsafeMutableRawBufferPointer(start: nil, count: 0) }
            func bufferUpdated(_ count: Int) {}
            func connectionLost(_ error: (any Error)?) { lost = true; lostError = error }
        }
        runLoopTest(expectExceptions: true) { loop, recorder in
            let server = try await RecordingServer(loop: loop, host: "127.0.0.1") { proto in
                proto.onMade = { $0.write(Array("x".utf8)) }
            }
            let (_, client) = try await loop.createConnection({ EmptyBufferProto() }, host: "127.0.0.1", port: server.address.port)
            try await waitUntil(loop) { client.lost }
            XCTAssertTrue(client.lostError is EmptyProtocolBufferError)
            XCTAssertEqual(recorder.contexts.count, 1)
            XCTAssertEqual(recorder.contexts.first?.message, "Fatal error: protocol.getBuffer() call failed.")
            try await server.close()
        }
    }
}
