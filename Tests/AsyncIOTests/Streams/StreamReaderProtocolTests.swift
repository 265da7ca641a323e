@testable import AsyncIO
import Glibc
import XCTest

/// StreamReaderProtocol over a fake transport: the zero-copy receive path, reader
/// back-pressure, EOF and connection loss, and the server-side client-connected task.
final class StreamReaderProtocolTests: XCTestCase {
    // CPython: test_streams.StreamTests.test_read_limit / feed path, through the buffered
    // protocol: getBuffer hands out the reader's own buffer tail.
    func testGetBufferIsTheReadersBufferTail() {
        runLoopTest { loop, _ in
            let reader = try StreamReader(loop: loop)
            let proto = StreamReaderProtocol(reader: reader, loop: loop)
            let transport = FakeStreamTransport(loop: loop)
            transport.connect(proto)
            let target = proto.getBuffer(65536)
            XCTAssertGreaterThanOrEqual(target.count, 65536)
            target.copyBytes(from: bytes("hello\n"))
            proto.bufferUpdated(6)
            XCTAssertEqual(text(reader.buffer.bytes), "hello\n")
            // The bytes were not copied on the way in: the reader reads them where they landed.
            XCTAssertEqual(reader.buffer.readableBytes.baseAddress, UnsafeRawPointer(target.baseAddress))
            let line = try await reader.readLine()
            XCTAssertEqual(text(line), "hello\n")
            // Without a hint the protocol still offers a useful buffer.
            XCTAssertGreaterThan(proto.getBuffer(-1).count, 0)
        }
    }

    // Bytes delivered in many small chunks, then in large ones, arrive intact and in order
    // at a reader that reads concurrently; reads are resumed from bufferUpdated.
    func testBufferedPathDeliversBytesIntactAcrossSmallAndLargeChunks() {
        runLoopTest { loop, _ in
            let reader = try StreamReader(limit: 4096, loop: loop)
            let proto = StreamReaderProtocol(reader: reader, loop: loop)
            let transport = FakeStreamTransport(loop: loop)
            transport.connect(proto)
            let payload = streamTestPattern(3 * 1024 * 1024 + 17)
            let received = loop.createTask {
                var out: [UInt8] = []
                out.reserveCapacity(payload.count)
                var reads = 0
                while true {
                    let chunk = try await reader.read(65536)
                    if chunk.isEmpty { break }
                    out.append(contentsOf: chunk)
                    reads += 1
                    if reads % 3 == 0 { _ = try await reader.readExactly(0) }
                }
                return out
            }
            // Small chunks of 1...7 bytes for the first 64 KiB, then 1 MiB at a time, with
            // the reader's back-pressure honoured as a socket transport would.
            try await withTimeout(.seconds(30)) {
                let chunkSizes = [1, 2, 3, 5, 7]
                var offset = 0
                var index = 0
                while offset < payload.count {
                    let size = offset < 65536 ? chunkSizes[index % chunkSizes.count] : 1 << 20
                    index += 1
                    if transport.isReading {
                        let end = min(payload.count, offset + size)
                        offset += transport.deliver(payload[offset..<end], chunkSize: size)
                    }
                    try await loop.runBriefly()
                }
            }
            transport.receiveEOF()
            let out = try await withTimeout(.seconds(30)) { try await received.value }
            XCTAssertEqual(out.count, payload.count)
            XCTAssertTrue(out == payload, "bytes differ")
            XCTAssertGreaterThan(transport.pauseReadingCount, 0, "a 1 MiB chunk must pause a 4 KiB-limit reader")
            XCTAssertEqual(transport.pauseReadingCount, transport.resumeReadingCount)
        }
    }

    // A waiting read is resumed straight from bufferUpdated: it runs before a callback
    // scheduled right after the delivery (one trip through the ready queue, as an asyncio
    // task woken by its future).
    func testWaitingReadResumesInOneReadyQueueTrip() {
        runLoopTest { loop, _ in
            let reader = try StreamReader(loop: loop)
            let proto = StreamReaderProtocol(reader: reader, loop: loop)
            let transport = FakeStreamTransport(loop: loop)
            transport.connect(proto)
            let order = Box([String]())
            let task = loop.createTask {
                let data = try await reader.read(10)
                order.value.append("read \(text(data))")
            }
            try await loop.runBriefly()
            XCTAssertTrue(reader.hasWaiter)
            loop.callSoon {
                transport.deliver(bytes("x")[...], chunkSize: 1)
                loop.callSoon { order.value.append("next callback") }
            }
            try await withTimeout(.seconds(10)) { try await task.value }
            try await loop.runBriefly(2)
            XCTAssertEqual(order.value, ["read x", "next callback"])
        }
    }

    // readExactly and readLine across deliveries that split lines and records anywhere.
    func testBufferedPathWithLinesAndRecords() {
        runLoopTest { loop, _ in
            let reader = try StreamReader(loop: loop)
            let proto = StreamReaderProtocol(reader: reader, loop: loop)
            let transport = FakeStreamTransport(loop: loop)
            transport.connect(proto)
            var wire: [UInt8] = []
            for index in 0..<200 {
                let body = streamTestPattern(index * 37 % 1000, seed: UInt64(index + 1))
                wire += bytes("record \(index) \(body.count)\n") + body
            }
            let task = loop.createTask {
                var count = 0
                while true {
                    let header = try await reader.readLine()
                    if header.isEmpty { break }
                    let fields = text(header).split(separator: " ")
                    let length = Int(fields[2].dropLast())!
                    let body = try await reader.readExactly(length)
                    XCTAssertEqual(body, streamTestPattern(length, seed: UInt64(count + 1)))
                    count += 1
                }
                return count
            }
            try await withTimeout(.seconds(30)) {
                var offset = 0
                var size = 1
                while offset < wire.count {
                    let end = min(wire.count, offset + size)
                    offset += transport.deliver(wire[offset..<end], chunkSize: size)
                    size = size * 3 % 1021 + 1
                    try await loop.runBriefly()
                }
            }
            transport.receiveEOF()
            let count = try await withTimeout(.seconds(30)) { try await task.value }
            XCTAssertEqual(count, 200)
        }
    }

    // CPython: StreamReader.feed_data / _maybe_resume_transport (reader back-pressure):
    // paused above 2 × limit, resumed once reads bring the buffer to the limit.
    func testBackPressurePausesAboveTwiceTheLimitAndResumesAtTheLimit() {
        runLoopTest { loop, _ in
            let reader = try StreamReader(limit: 10, loop: loop)
            let transport = FakeStreamTransport(loop: loop)
            reader.setTransport(transport)
            reader.feedData(Array(repeating: 65, count: 20))
            XCTAssertEqual(transport.pauseReadingCount, 0, "exactly 2 × limit does not pause")
            reader.feedData([66])
            XCTAssertEqual(transport.readingEvents, ["pause"])
            reader.feedData(Array(repeating: 67, count: 10))
            XCTAssertEqual(transport.pauseReadingCount, 1, "already paused")
            _ = try await reader.read(20)   // 11 left: above the limit
            XCTAssertEqual(transport.readingEvents, ["pause"])
            _ = try await reader.read(1)    // 10 left: at the limit
            XCTAssertEqual(transport.readingEvents, ["pause", "resume"])
            XCTAssertTrue(transport.isReading)
        }
    }

    // Back-pressure through the protocol, with readLine and readUntil consuming.
    func testBackPressureThroughTheProtocolWithLineReads() {
        runLoopTest { loop, _ in
            let reader = try StreamReader(limit: 8, loop: loop)
            let proto = StreamReaderProtocol(reader: reader, loop: loop)
            let transport = FakeStreamTransport(loop: loop)
            transport.connect(proto)
            let delivered = transport.deliver(bytes("aaaa\nbbbb\ncccc\ndddd\n")[...], chunkSize: 5)
            XCTAssertEqual(delivered, 20, "paused once 20 > 16 bytes were buffered")
            XCTAssertFalse(transport.isReading)
            _ = try await reader.readLine()   // 15 left
            XCTAssertFalse(transport.isReading)
            _ = try await reader.readUntil(bytes("\n"))   // 10 left
            XCTAssertFalse(transport.isReading)
            _ = try await reader.readLine()   // 5 left
            XCTAssertTrue(transport.isReading)
        }
    }

    // CPython: StreamReader._wait_for_data resumes a paused transport: readExactly(n) with
    // n > 2 × limit would otherwise deadlock.
    func testWaitingReadResumesPausedTransport() {
        runLoopTest { loop, _ in
            let reader = try StreamReader(limit: 3, loop: loop)
            let transport = FakeStreamTransport(loop: loop)
            reader.setTransport(transport)
            reader.feedData(bytes("1234567"))
            XCTAssertFalse(transport.isReading)
            let task = loop.createTask { try await reader.readExactly(10) }
            try await loop.runBriefly()
            XCTAssertTrue(transport.isReading, "a read that must wait resumes reading")
            reader.feedData(bytes("890"))
            let data = try await withTimeout(.seconds(10)) { try await task.value }
            XCTAssertEqual(text(data), "1234567890")
        }
    }

    // readLine's overrun drops data and resumes the transport (asyncio calls
    // _maybe_resume_transport there too).
    func testReadLineOverrunResumesTransport() {
        runLoopTest { loop, _ in
            let reader = try StreamReader(limit: 2, loop: loop)
            let transport = FakeStreamTransport(loop: loop)
            reader.setTransport(transport)
            reader.feedData(bytes("abcdef\nx"))
            XCTAssertFalse(transport.isReading)
            await XCTAssertThrowsLineOverrun { try await reader.readLine() }
            XCTAssertEqual(text(reader.buffer.bytes), "x")
            XCTAssertTrue(transport.isReading)
        }
    }

    // CPython: StreamReaderProtocol.eof_received returns True (keep the transport open
    // for writing) except over TLS; the reader sees EOF.
    func testEOFReceivedFeedsEOFAndKeepsTransportOpen() {
        runLoopTest { loop, _ in
            let reader = try StreamReader(loop: loop)
            let proto = StreamReaderProtocol(reader: reader, loop: loop)
            let transport = FakeStreamTransport(loop: loop)
            transport.connect(proto)
            transport.deliver(bytes("last")[...], chunkSize: 100)
            XCTAssertTrue(transport.receiveEOF())
            XCTAssertFalse(transport.isClosing)
            let data = try await reader.read()
            XCTAssertEqual(text(data), "last")
            XCTAssertTrue(reader.atEOF)
        }
    }

    // CPython: StreamReaderProtocol.connection_lost(exc): the reader's exception is set
    // and a waiting read is woken with it; wait_closed raises it.
    func testConnectionLostWithErrorFailsTheWaitingRead() {
        runLoopTest { loop, _ in
            let reader = try StreamReader(loop: loop)
            let proto = StreamReaderProtocol(reader: reader, loop: loop)
            let transport = FakeStreamTransport(loop: loop)
            transport.connect(proto)
            let writer = StreamWriter(transport: transport, protocol: proto, reader: reader, loop: loop)
            let readTask = loop.createTask { try await reader.readLine() }
            let closedTask = loop.createTask { try await writer.waitClosed() }
            try await loop.runBriefly()
            let reset = OSError(errno: ECONNRESET, message: "Connection reset by peer")
            transport.loseConnection(reset)
            let readResult = try await withTimeout(.seconds(10)) { await readTask.result }
            XCTAssertThrowsError(try readResult.get()) { XCTAssertEqual($0 as? OSError, reset) }
            let closedResult = try await withTimeout(.seconds(10)) { await closedTask.result }
            XCTAssertThrowsError(try closedResult.get()) { XCTAssertEqual($0 as? OSError, reset) }
            XCTAssertEqual(reader.exception as? OSError, reset)
            XCTAssertNil(proto.transport)
            XCTAssertNil(reader.transport)
        }
    }

    // CPython: test_streams.StreamTests.test_wait_closed_on_close: connection_lost(None)
    // feeds EOF and completes wait_closed.
    func testConnectionLostCleanlyFeedsEOFAndCompletesWaitClosed() {
        runLoopTest { loop, _ in
            let reader = try StreamReader(loop: loop)
            let proto = StreamReaderProtocol(reader: reader, loop: loop)
            let transport = FakeStreamTransport(loop: loop)
            transport.connect(proto)
            let writer = StreamWriter(transport: transport, protocol: proto, reader: reader, loop: loop)
            transport.deliver(bytes("unread")[...], chunkSize: 100)
            let readTask = loop.createTask { try await reader.read() }
            writer.close()
            XCTAssertTrue(writer.isClosing)
            try await withTimeout(.seconds(10)) { try await writer.waitClosed() }
            let data = try await withTimeout(.seconds(10)) { try await readTask.value }
            XCTAssertEqual(text(data), "unread")
            XCTAssertTrue(reader.atEOF)
            // Waiting again after the close returns at once.
            try await writer.waitClosed()
        }
    }

    // Cancelling one waitClosed does not disturb another (asyncio's shared future would be
    // cancelled for every waiter).
    func testCancelledWaitClosedDoesNotAffectOthers() {
        runLoopTest { loop, _ in
            let reader = try StreamReader(loop: loop)
            let proto = StreamReaderProtocol(reader: reader, loop: loop)
            let transport = FakeStreamTransport(loop: loop)
            transport.connect(proto)
            let writer = StreamWriter(transport: transport, protocol: proto, reader: reader, loop: loop)
            let cancelled = loop.createTask { try await writer.waitClosed() }
            let kept = loop.createTask { try await writer.waitClosed() }
            try await loop.runBriefly()
            cancelled.cancel()
            let cancelledResult = await cancelled.result
            XCTAssertThrowsError(try cancelledResult.get()) { XCTAssertTrue($0 is CancellationError) }
            writer.close()
            try await withTimeout(.seconds(10)) { try await kept.value }
        }
    }

    // CPython: test_streams.StreamTests.test_start_server (the callback side): the
    // client-connected callback runs as a task with a reader and a writer.
    func testClientConnectedCallbackRunsAsATask() {
        runLoopTest { loop, _ in
            let reader = try StreamReader(loop: loop)
            let done = Box(false)
            let proto = StreamReaderProtocol(reader: reader, clientConnected: { reader, writer in
                let line = try await reader.readLine()
                writer.write(line)
                try await writer.drain()
                writer.close()
                done.value = true
            }, loop: loop)
            let transport = FakeStreamTransport(loop: loop)
            transport.connect(proto)
            XCTAssertFalse(done.value, "the callback runs as a task, not inside connectionMade")
            transport.deliver(bytes("hello\n")[...], chunkSize: 2)
            try await withTimeout(.seconds(10)) {
                while !done.value { try await loop.runBriefly() }
            }
            XCTAssertEqual(text(transport.written), "hello\n")
            XCTAssertEqual(transport.closeCount, 1)
            try await loop.runBriefly(2)
            XCTAssertNil(proto.clientTask)
        }
    }

    // CPython: test_streams.StreamTests.test_unhandled_exception: an error thrown by the
    // callback goes to the exception handler and the transport is closed.
    func testClientConnectedErrorGoesToExceptionHandlerAndClosesTransport() {
        runLoopTest(expectExceptions: true) { loop, recorder in
            let reader = try StreamReader(loop: loop)
            let proto = StreamReaderProtocol(reader: reader, clientConnected: { _, _ in
                throw TestError(name: "callback failed")
            }, loop: loop)
            let transport = FakeStreamTransport(loop: loop)
            transport.connect(proto)
            try await withTimeout(.seconds(10)) {
                while transport.closeCount == 0 { try await loop.runBriefly() }
            }
            XCTAssertEqual(recorder.contexts.count, 1)
            XCTAssertEqual(recorder.contexts.first?.message, "Unhandled exception in client_connected_cb")
            XCTAssertEqual(recorder.contexts.first?.error as? TestError, TestError(name: "callback failed"))
            XCTAssertEqual(recorder.contexts.first?.extra["transport"], "<FakeStreamTransport>")
        }
    }

    // CPython: test_streams.StreamTests.test_unhandled_cancel: a cancelled callback closes
    // the transport without a report.
    func testClientConnectedCancellationClosesTransportWithoutReport() {
        runLoopTest { loop, recorder in
            let reader = try StreamReader(loop: loop)
            let proto = StreamReaderProtocol(reader: reader, clientConnected: { reader, _ in
                _ = try await reader.readLine()
            }, loop: loop)
            let transport = FakeStreamTransport(loop: loop)
            transport.connect(proto)
            try await loop.runBriefly()
            proto.clientTask?.cancel()
            try await withTimeout(.seconds(10)) {
                while transport.closeCount == 0 { try await loop.runBriefly() }
            }
            XCTAssertEqual(recorder.contexts.count, 0)
        }
    }
}

/// Deterministic pseudo-random bytes (xorshift), so a corrupted offset shows up.
func streamTestPattern(_ count: Int, seed: UInt64 = 0x9E37_79B9_7F4A_7C15) -> [UInt8] {
    var state = seed
    return (0..<count).map { _ in
        state ^= state << 13
        state ^= state >> 7
        state ^= state << 17
        return UInt8(truncatingIfNeeded: state)
    }
}
