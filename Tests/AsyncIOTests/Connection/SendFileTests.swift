@testable import AsyncIO
import Glibc
import XCTest

/// A temporary file (already unlinked) holding `bytes`, or `sparseSize` zero bytes.
private func temporaryFile(_ bytes: [UInt8], sparseSize: Int? = nil) throws -> Int32 {
    var template = Array("/tmp/asyncio-sendfile-XXXXXX".utf8CString)
    let fd = mkstemp(&template)
    guard fd >= 0 else { throw OSError(errno: errno, operation: "mkstemp") }
    unlink(template)
    if let sparseSize {
        guard ftruncate(fd, off_t(sparseSize)) == 0 else { throw OSError(errno: errno, operation: "ftruncate") }
    }
    var written = 0
    while written < bytes.count {
        let n = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + written, bytes.count - written) }
        guard n > 0 else { throw OSError(errno: errno, operation: "write") }
        written += n
    }
    lseek(fd, 0, SEEK_SET)
    return fd
}

private let tenMiB = 10 * 1024 * 1024

private func filePosition(_ fd: Int32) -> Int { Int(lseek(fd, 0, SEEK_CUR)) }

/// A client transport connected to a `RecordingServer` on 127.0.0.1.
private func connectedPair(
    _ loop: isolated EventLoop, configure: @escaping (RecordingProtocol) -> Void = { _ in }
) async throws -> (RecordingServer, any Transport, RecordingProtocol, RecordingProtocol) {
    let server = try await RecordingServer(loop: loop, host: "127.0.0.1", configure: configure)
    let (transport, client) = try await loop.createConnection({ RecordingProtocol() }, host: "127.0.0.1",
                                                               port: server.address.port!)
    let peer = try await server.connection(loop)
    return (server, transport, client, peer)
}

final class SendFileTests: XCTestCase {
    // 10 MiB through sendfile(2) from an offset, with a count: exactly those bytes arrive,
    // the file position ends after them, and the transport reads and writes again after.
    // CPython: test_sendfile.SendfileMixin.test_sendfile_partial,
    // test_sendfile.SockSendfileMixin.test_sock_sendfile_with_offset_and_count
    func testSendFileWithOffsetAndCount() {
        runLoopTest { loop, _ in
            let baseline = openDescriptorCount()
            let content = pattern(tenMiB)
            let file = try temporaryFile(content)
            defer { close(file) }
            let (server, transport, client, peer) = try await connectedPair(loop)
            let shared = Box(transport)
            let offset = 12_345
            let count = tenMiB - 20_000
            let sent = try await withTimeout(.seconds(60)) {
                try await loop.sendFile(transport: shared.value, file: file, offset: offset, count: count, fallback: false)
            }
            XCTAssertEqual(sent, count)
            XCTAssertEqual(filePosition(file), offset + count)
            XCTAssertTrue(transport.isReading) // reading resumed
            transport.write(Array("tail".utf8))
            try await waitUntil(loop, timeout: 30) { peer.received.count == count + 4 }
            XCTAssertTrue(peer.received.elementsEqual(content[offset..<(offset + count)] + Array("tail".utf8)))
            peer.transport?.write(Array("pong".utf8))
            try await waitUntil(loop) { client.received == Array("pong".utf8) }
            transport.close()
            try await waitUntil(loop) { client.isLost }
            try await server.close()
            try await waitForDescriptors(loop, baseline)
        }
    }

    // Bytes written before sendFile go out first: sendfile waits for the buffer to drain.
    // CPython: test_sendfile.SendfileMixin.test_sendfile_pre_and_post_data
    func testSendFileAfterBufferedWrites() {
        runLoopTest { loop, _ in
            let content = pattern(3 * 1024 * 1024)
            let file = try temporaryFile(content)
            defer { close(file) }
            // The peer does not read at first, so the prefix stays in the transport's buffer.
            let (server, transport, client, peer) = try await connectedPair(loop) { $0.onMade = { $0.pauseReading() } }
            let shared = Box(transport)
            let prefix = [UInt8](repeating: 7, count: 16 * 1024 * 1024)
            transport.write(prefix)
            XCTAssertGreaterThan(transport.writeBufferSize, 0)
            let sending = loop.createTask { try await loop.sendFile(transport: shared.value, file: file) }
            let stream = transport as! StreamTransport
            try await waitUntil(loop) { stream.sendfileHold?.drainWaiter != nil }
            XCTAssertFalse(transport.isReading) // paused while sendfile holds the socket
            peer.transport?.resumeReading()
            let sent = try await withTimeout(.seconds(60)) { try await sending.value }
            XCTAssertEqual(sent, content.count)
            XCTAssertTrue(transport.isReading)
            XCTAssertEqual(filePosition(file), content.count)
            try await waitUntil(loop, timeout: 30) { peer.received.count == prefix.count + content.count }
            XCTAssertTrue(peer.received.elementsEqual(prefix + content))
            transport.close()
            try await waitUntil(loop) { client.isLost }
            try await server.close()
        }
    }

    // The fallback (reads on the pool, transport writes) moves the same bytes.
    // CPython: test_base_events.BaseLoopSockSendfileTests.test_sock_sendfile_fallback_offset_and_count,
    // test_sendfile.SendfileMixin.test_sendfile_force_fallback
    func testFallbackWithOffsetAndCount() {
        runLoopTest { loop, _ in
            let content = pattern(tenMiB)
            let file = try temporaryFile(content)
            defer { close(file) }
            let (server, transport, client, peer) = try await connectedPair(loop)
            let shared = Box(transport)
            let offset = 1_000
            let count = tenMiB - 3_000
            let sent = try await withTimeout(.seconds(60)) {
                try await loop.sendFileFallback(shared.value as! StreamTransport, file: file, offset: offset, count: count)
            }
            XCTAssertEqual(sent, count)
            XCTAssertEqual(filePosition(file), offset + count)
            XCTAssertTrue(transport.isReading)
            XCTAssertFalse(client.events.contains(.pause)) // the fallback waits instead of overfilling
            try await waitUntil(loop, timeout: 30) { peer.received.count == count }
            XCTAssertTrue(peer.received.elementsEqual(content[offset..<(offset + count)]))
            transport.close()
            try await waitUntil(loop) { client.isLost }
            try await server.close()
        }
    }

    // A pipe is not a regular file: without fallback SendfileNotAvailableError, with it
    // the bytes are copied.
    // CPython: test_sendfile.SendfileMixin.test_sendfile_not_supported,
    // test_base_events.BaseLoopSockSendfileTests.test_sock_sendfile_no_fallback
    func testPipeUsesTheFallback() {
        runLoopTest { loop, _ in
            let (server, transport, client, peer) = try await connectedPair(loop)
            let shared = Box(transport)
            var ends: [Int32] = [0, 0]
            XCTAssertEqual(pipe(&ends), 0)
            let content = pattern(60_000) // fits in the pipe's buffer: no writer thread needed
            XCTAssertEqual(content.withUnsafeBytes { Glibc.write(ends[1], $0.baseAddress, $0.count) }, content.count)
            close(ends[1])
            let readEnd = ends[0]
            let error = await thrownError {
                _ = try await loop.sendFile(transport: shared.value, file: readEnd, fallback: false)
            }
            XCTAssertTrue(error is SendfileNotAvailableError, "\(String(describing: error))")
            XCTAssertTrue(transport.isReading)
            let sent = try await withTimeout(.seconds(30)) { try await loop.sendFile(transport: shared.value, file: readEnd) }
            XCTAssertEqual(sent, content.count)
            try await waitUntil(loop) { peer.received.count == content.count }
            XCTAssertEqual(peer.received, content)
            close(readEnd)
            transport.close()
            try await waitUntil(loop) { client.isLost }
            try await server.close()
        }
    }

    // Bad arguments and a closing transport are refused before anything is sent. The
    // argument check is one rule for both sendfile calls: the same bad count or offset is
    // the same InvalidArgumentError, in asyncio's words, over a transport and a socket.
    // CPython: test_base_events.BaseLoopSockSendfileTests.test_negative_count,
    // test_negative_offset (asyncio's _check_sendfile_params serves both calls; the
    // closing check is base_events.sendfile's, untested there)
    func testArgumentsAndClosingTransport() {
        runLoopTest { loop, _ in
            let file = try temporaryFile(pattern(100))
            defer { close(file) }
            let (server, transport, client, _) = try await connectedPair(loop)
            let shared = Box(transport)
            let sock = try Socket()
            defer { sock.close() }
            let cases: [(offset: Int, count: Int?, message: String)] = [
                (0, 0, "count must be a positive integer (got 0)"),
                (0, -1, "count must be a positive integer (got -1)"),
                (-1, nil, "offset must be a non-negative integer (got -1)"),
                (-5, 10, "offset must be a non-negative integer (got -5)"),
            ]
            for (offset, count, message) in cases {
                let overTransport = await thrownError {
                    _ = try await loop.sendFile(transport: shared.value, file: file, offset: offset, count: count)
                }
                let overSocket = await thrownError {
                    _ = try await loop.sockSendFile(sock, file: file, offset: offset, count: count)
                }
                XCTAssertEqual(overTransport as? InvalidArgumentError, InvalidArgumentError(message))
                XCTAssertEqual(overSocket as? InvalidArgumentError, InvalidArgumentError(message))
            }
            XCTAssertFalse(transport.isClosing, "refused arguments leave the transport usable")
            transport.close()
            let closing = await thrownError { _ = try await loop.sendFile(transport: shared.value, file: file) }
            XCTAssertEqual((closing as? InvalidStateError)?.message, "Transport is closing")
            try await waitUntil(loop) { client.isLost }
            try await server.close()
        }
    }

    // Aborting the transport while sendfile waits for writability (the peer does not
    // read) fails the sendfile, stops its poll before the descriptor closes, and leaks
    // nothing. Cf. CPython: test_sendfile.SendfileMixin.test_sendfile_close_peer_in_the_middle_of_receiving
    func testAbortWhileSendfileWaits() {
        runLoopTest { loop, _ in
            let baseline = openDescriptorCount()
            let file = try temporaryFile([], sparseSize: 512 * 1024 * 1024)
            defer { close(file) }
            let (server, transport, client, _) = try await connectedPair(loop) { $0.onMade = { $0.pauseReading() } }
            let shared = Box(transport)
            let stream = transport as! StreamTransport
            let sending = loop.createTask { try await loop.sendFile(transport: shared.value, file: file, fallback: false) }
            try await waitUntil(loop, timeout: 30) { stream.sendfileHold?.writableWaiter != nil }
            transport.abort()
            let error = await thrownError { _ = try await withTimeout(.seconds(10)) { try await sending.value } }
            XCTAssertEqual((error as? OSError)?.message, "Connection is closed by peer")
            XCTAssertNil(stream.sendfileHold)
            try await waitUntil(loop) { client.isLost }
            try await server.close()
            try await waitForDescriptors(loop, baseline)
        }
    }
}
