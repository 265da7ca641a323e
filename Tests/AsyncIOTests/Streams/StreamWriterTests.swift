@testable import AsyncIO
import Glibc
import XCTest

/// StreamWriter over a fake transport: pass-through calls and drain's flow control
/// (asyncio's FlowControlMixin and StreamWriter.drain).
final class StreamWriterTests: XCTestCase {
    // CPython: StreamWriter.write / writelines / write_eof / can_write_eof / get_extra_info
    // / is_closing / transport are the transport's.
    func testWriterPassesCallsToTheTransport() {
        runLoopTest { loop, _ in
            let (_, _, writer, transport) = try connectFake(loop)
            XCTAssertTrue(writer.transport === transport)
            writer.write(bytes("GET "))
            bytes("/ ").withUnsafeBytes { writer.write($0) }
            writer.writeLines([bytes("HTTP/1.0"), bytes("\r\n\r\n")])
            XCTAssertEqual(text(transport.written), "GET / HTTP/1.0\r\n\r\n")
            XCTAssertEqual(transport.writeCalls, 2)
            XCTAssertEqual(transport.writeLinesCalls, 1)
            XCTAssertTrue(writer.canWriteEOF)
            writer.writeEOF()
            XCTAssertTrue(transport.eofWritten)
            XCTAssertEqual(writer.getExtraInfo("fake") as? String, "fake-value")
            XCTAssertNil(writer.getExtraInfo("unknown"))
            XCTAssertFalse(writer.isClosing)
            writer.close()
            XCTAssertTrue(writer.isClosing)
            try await writer.waitClosed()
            XCTAssertTrue("\(writer)".hasPrefix("<StreamWriter transport=<FakeStreamTransport> reader=<StreamReader"))
        }
    }

    // drain() with nothing to wait for returns without suspending: a callback scheduled
    // before it has not run when it returns.
    func testDrainNotPausedReturnsAtOnce() {
        runLoopTest { loop, _ in
            let (_, _, writer, _) = try connectFake(loop)
            let ranCallback = Box(false)
            loop.callSoon { ranCallback.value = true }
            for _ in 0..<100 {
                writer.write(bytes("x"))
                try await writer.drain()
            }
            XCTAssertFalse(ranCallback.value)
        }
    }

    // CPython: FlowControlMixin._drain_helper: paused → drain waits until resume_writing.
    func testDrainWaitsWhilePausedUntilResumeWriting() {
        runLoopTest { loop, _ in
            let (_, proto, writer, _) = try connectFake(loop)
            proto.pauseWriting()
            let (task, drained) = try await startWaitingDrain(loop, writer)
            proto.resumeWriting()
            try await withTimeout(.seconds(10)) { try await task.value }
            XCTAssertTrue(drained.value)
            XCTAssertEqual(proto.flowControl.drainWaiterCount, 0)
        }
    }

    // CPython: test_streams.StreamTests.test_multiple_drain: ten drains wait on one pause;
    // resume_writing releases them all.
    func testMultipleDrainsAllReleased() {
        runLoopTest { loop, _ in
            let (_, proto, _, _) = try connectFake(loop)
            proto.pauseWriting()
            let drained = Box(0)
            var tasks: [Task<Void, any Error>] = []
            for _ in 0..<10 {
                tasks.append(loop.createTask {
                    try await proto.flowControl.drainHelper()
                    drained.value += 1
                })
            }
            loop.callLater(.milliseconds(10)) { proto.resumeWriting() }
            try await withTimeout(.seconds(10)) {
                for task in tasks { try await task.value }
            }
            XCTAssertEqual(drained.value, 10)
        }
    }

    // A cancelled drain leaves the others waiting and forgets its waiter.
    func testCancelledDrainLeavesOthersWaiting() {
        runLoopTest { loop, _ in
            let (_, proto, writer, _) = try connectFake(loop)
            proto.pauseWriting()
            let cancelled = loop.createTask { try await writer.drain() }
            let kept = loop.createTask { try await writer.drain() }
            try await loop.runBriefly()
            XCTAssertEqual(proto.flowControl.drainWaiterCount, 2)
            cancelled.cancel()
            let result = await cancelled.result
            XCTAssertThrowsError(try result.get()) { XCTAssertTrue($0 is CancellationError) }
            XCTAssertEqual(proto.flowControl.drainWaiterCount, 1)
            proto.resumeWriting()
            try await withTimeout(.seconds(10)) { try await kept.value }
        }
    }

    // CPython: test_streams.StreamTests.test_drain_raises (issue25441): once the transport
    // is closing, drain yields so connection_lost can run, then raises
    // ConnectionResetError('Connection lost'); write/drain in a loop cannot spin forever.
    func testDrainAfterConnectionLostThrowsConnectionReset() {
        runLoopTest { loop, _ in
            let (_, _, writer, transport) = try connectFake(loop)
            do {
                try await withTimeout(.seconds(10)) {
                    // connectionLost(nil) is delivered on a later iteration; drain must
                    // give the loop that iteration.
                    transport.close()
                    for _ in 0..<1000 {
                        writer.write(bytes("foo\n"))
                        try await writer.drain()
                    }
                }
                XCTFail("expected a connection reset")
            } catch let error as OSError {
                XCTAssertEqual(error.errno, ECONNRESET)
                XCTAssertEqual(error.message, "Connection lost")
            }
        }
    }

    // CPython: FlowControlMixin.connection_lost wakes paused drains: with an error they
    // raise it, with none they return.
    func testConnectionLostReleasesPausedDrains() {
        runLoopTest { loop, _ in
            let (_, proto, _, transport) = try connectFake(loop)
            proto.pauseWriting()
            let task = loop.createTask { try await proto.flowControl.drainHelper() }
            try await loop.runBriefly()
            let broken = OSError(errno: EPIPE, message: "Broken pipe")
            transport.loseConnection(broken)
            let result = try await withTimeout(.seconds(10)) { await task.result }
            XCTAssertThrowsError(try result.get()) { XCTAssertEqual($0 as? OSError, broken) }

            let (_, cleanProto, _, cleanTransport) = try connectFake(loop)
            cleanProto.pauseWriting()
            let cleanTask = loop.createTask { try await cleanProto.flowControl.drainHelper() }
            try await loop.runBriefly()
            cleanTransport.loseConnection(nil)
            try await withTimeout(.seconds(10)) { try await cleanTask.value }
            // Later drains fail: the connection is gone.
            do {
                try await cleanProto.flowControl.drainHelper()
                XCTFail("expected a connection reset")
            } catch let error as OSError {
                XCTAssertEqual(error.errno, ECONNRESET)
            }
        }
    }

    // CPython: StreamWriter.drain raises the reader's exception first.
    func testDrainRethrowsTheReadersException() {
        runLoopTest { loop, _ in
            let (reader, _, writer, transport) = try connectFake(loop)
            let reset = OSError(errno: ECONNRESET, message: "Connection reset by peer")
            transport.loseConnection(reset)
            XCTAssertEqual(reader.exception as? OSError, reset)
            do {
                try await writer.drain()
                XCTFail("expected the reader's exception")
            } catch let error as OSError {
                XCTAssertEqual(error, reset)
            }

            // Also while the connection is still up: the reader's exception wins.
            let (otherReader, _, otherWriter, _) = try connectFake(loop)
            otherReader.setException(TestError(name: "reader failed"))
            do {
                try await otherWriter.drain()
                XCTFail("expected the reader's exception")
            } catch let error as TestError {
                XCTAssertEqual(error, TestError(name: "reader failed"))
            }
            otherWriter.close()
            try await otherWriter.waitClosed()
        }
    }

    // A writer without a reader drains on flow control alone.
    func testWriterWithoutReader() {
        runLoopTest { loop, _ in
            let (_, proto, _, transport) = try connectFake(loop)
            let writer = StreamWriter(transport: transport, protocol: proto, reader: nil, loop: loop)
            try await writer.drain()
            XCTAssertEqual("\(writer)", "<StreamWriter transport=<FakeStreamTransport>>")
            writer.close()
            try await writer.waitClosed()
        }
    }

    // asyncio's StreamWriter takes any transport: over a write-only one, writes pass
    // through, drain follows the protocol's pause/resume, waitClosed ends with the loss,
    // and start_tls refuses a transport it cannot upgrade.
    // CPython: test_streams.StreamTests.test_multiple_drain (pause/resume), and
    // base_events.start_tls's "transport ... is not supported by start_tls()"
    func testWriterOverAWriteOnlyTransport() {
        runLoopTest { loop, _ in
            let proto = StreamReaderProtocol(reader: try StreamReader(loop: loop), loop: loop)
            let transport = FakeWriteTransport(protocol: proto)
            let writer = StreamWriter(transport: transport, protocol: proto, reader: nil, loop: loop)
            XCTAssertTrue(writer.transport === transport)
            writer.write(bytes("one "))
            writer.writeLines([bytes("two "), bytes("three")])
            XCTAssertEqual(text(transport.written), "one two three")
            XCTAssertTrue(writer.canWriteEOF)
            writer.writeEOF()
            XCTAssertTrue(transport.eofWritten)

            transport.pauseProtocol()
            let (drain, drained) = try await startWaitingDrain(loop, writer)
            transport.resumeProtocol()
            try await withTimeout(.seconds(10)) { try await drain.value }
            XCTAssertTrue(drained.value)

            do {
                try await writer.startTLS(try SSLContext(.client), serverHostname: "localhost")
                XCTFail("startTLS accepted a write-only transport")
            } catch let error as InvalidArgumentError {
                XCTAssertEqual(error.message, "transport <FakeWriteTransport> is not supported by start_tls()")
            }

            writer.close()
            XCTAssertTrue(writer.isClosing)
            let broken = OSError(errno: EPIPE, message: "Broken pipe")
            transport.loseConnection(broken)
            do {
                try await writer.waitClosed()
                XCTFail("waitClosed did not throw the loss")
            } catch let error as OSError {
                XCTAssertEqual(error, broken)
            }
        }
    }
}

/// A connected reader, protocol, writer and fake transport.
private func connectFake(_ loop: isolated EventLoop) throws -> (StreamReader, StreamReaderProtocol, StreamWriter, FakeStreamTransport) {
    let reader = try StreamReader(loop: loop)
    let proto = StreamReaderProtocol(reader: reader, loop: loop)
    let transport = FakeStreamTransport(loop: loop)
    transport.connect(proto)
    let writer = StreamWriter(transport: transport, protocol: proto, reader: reader, loop: loop)
    return (reader, proto, writer, transport)
}

/// A drain started on `writer` while its transport has paused writing, checked to be
/// waiting after a few loop iterations: its task, and a flag set once it returned.
func startWaitingDrain(_ loop: isolated EventLoop, _ writer: StreamWriter) async throws
    -> (task: Task<Void, any Error>, drained: Box<Bool>)
{
    let drained = Box(false)
    let task = loop.createTask {
        try await writer.drain()
        drained.value = true
    }
    try await loop.runBriefly(3)
    XCTAssertFalse(drained.value, "drain returned while writing was paused")
    XCTAssertEqual(writer.flowControl.drainWaiterCount, 1)
    return (task, drained)
}

/// Writes `chunk` until the writer's transport pauses writing, giving the loop an
/// iteration after each write so the transport can flush; at most `limit` bytes. Returns
/// the bytes written.
func writeUntilPaused(_ loop: isolated EventLoop, _ writer: StreamWriter, _ chunk: [UInt8], limit: Int) async throws -> Int {
    var written = 0
    while !writer.flowControl.isWritingPaused && written < limit {
        writer.write(chunk)
        written += chunk.count
        try await loop.sleep(.zero)
    }
    return written
}
