@testable import AsyncIO
import Glibc
import XCTest

/// `sockSendFile`: sendfile(2) on a regular file, the read/send fallback, and errors.
final class SockSendFileTests: XCTestCase {
    // CPython: test_sendfile.SockSendfileMixin.test_sock_sendfile_success
    func testSendsTheWholeFile() {
        runLoopTest { loop, _ in
            let file = try TemporaryFile(bytes: filePattern(300_000))
            let (client, server) = try await connectedPair(loop, .ipv4)
            let reader = loop.createTask { try await receiveAll(loop, server) }
            let sent = try await withTimeout(.seconds(10)) { try await loop.sockSendFile(client, file: file.fd) }
            try client.shutdown(Int32(SHUT_WR))
            let received = try await withTimeout(.seconds(10)) { try await reader.value }
            XCTAssertEqual(sent, 300_000)
            XCTAssertTrue(received == file.bytes, "received bytes differ from the file")
            XCTAssertEqual(file.position, 300_000)
            client.close()
            server.close()
        }
    }

    // CPython: test_sendfile.SockSendfileMixin.test_sock_sendfile_success (with offset
    // and count), test_base_events.BaseLoopSockSendfileTests.test_sock_sendfile_fallback_offset_and_count
    func testSendsAFileRegionAndLeavesThePositionAfterIt() throws {
        for host in Loopback.allCases {
            try requireHost(host)
            runLoopTest { loop, _ in
                let file = try TemporaryFile(bytes: filePattern(300_000))
                let (client, server) = try await connectedPair(loop, host)
                // A small send buffer makes sendfile hit EAGAIN and wait for writability.
                try client.setOption(level: SOL_SOCKET, name: SO_SNDBUF, value: 4096)
                let reader = loop.createTask { try await receiveAll(loop, server) }
                let sent = try await withTimeout(.seconds(10)) {
                    try await loop.sockSendFile(client, file: file.fd, offset: 1000, count: 200_000)
                }
                try client.shutdown(Int32(SHUT_WR))
                let received = try await withTimeout(.seconds(10)) { try await reader.value }
                XCTAssertEqual(sent, 200_000)
                XCTAssertEqual(received.count, 200_000)
                XCTAssertTrue(received == Array(file.bytes[1000..<201_000]), "received bytes differ from the region")
                XCTAssertEqual(file.position, 201_000)
                client.close()
                server.close()
            }
        }
    }

    // A count past the end of the file sends up to the end.
    func testCountPastTheEndStopsAtEndOfFile() {
        runLoopTest { loop, _ in
            let file = try TemporaryFile(bytes: filePattern(5000))
            let (client, server) = try await connectedPair(loop, .ipv4)
            let reader = loop.createTask { try await receiveAll(loop, server) }
            let sent = try await loop.sockSendFile(client, file: file.fd, offset: 4000, count: 10_000)
            try client.shutdown(Int32(SHUT_WR))
            let received = try await withTimeout(.seconds(10)) { try await reader.value }
            XCTAssertEqual(sent, 1000)
            XCTAssertEqual(received, Array(file.bytes[4000...]))
            client.close()
            server.close()
        }
    }

    // CPython: test_sendfile.SockSendfileMixin.test_sock_sendfile_zero_size
    func testEmptyFileSendsNothing() {
        runLoopTest { loop, _ in
            let file = try TemporaryFile(bytes: [])
            let (client, server) = try await connectedPair(loop, .ipv4)
            let sent = try await loop.sockSendFile(client, file: file.fd, fallback: false)
            XCTAssertEqual(sent, 0)
            client.close()
            server.close()
        }
    }

    // CPython: test_unix_events.SelectorEventLoopUnixSockSendfileTests.test_sock_sendfile_not_regular_file
    // and test_base_events.BaseLoopSockSendfileTests.test_sock_sendfile_fallback_offset_and_count
    // (the fallback copies from a file sendfile cannot read: a pipe)
    func testPipeUsesTheFallback() {
        runLoopTest { loop, _ in
            let payload = filePattern(20_000)
            let pipe = try Pipe(containing: payload)
            let (client, server) = try await connectedPair(loop, .ipv4)
            let reader = loop.createTask { try await receiveAll(loop, server) }
            let sent = try await withTimeout(.seconds(10)) {
                try await loop.sockSendFile(client, file: pipe.readEnd, count: 15_000)
            }
            try client.shutdown(Int32(SHUT_WR))
            let received = try await withTimeout(.seconds(10)) { try await reader.value }
            XCTAssertEqual(sent, 15_000)
            XCTAssertEqual(received, Array(payload[..<15_000]))
            // Without a count, the fallback reads to the end of the pipe.
            let (client2, server2) = try await connectedPair(loop, .ipv4)
            let reader2 = loop.createTask { try await receiveAll(loop, server2) }
            let rest = try await withTimeout(.seconds(10)) { try await loop.sockSendFile(client2, file: pipe.readEnd) }
            try client2.shutdown(Int32(SHUT_WR))
            let received2 = try await withTimeout(.seconds(10)) { try await reader2.value }
            XCTAssertEqual(rest, 5000)
            XCTAssertEqual(received2, Array(payload[15_000...]))
            for sock in [client, server, client2, server2] { sock.close() }
        }
    }

    // CPython: test_base_events.BaseLoopSockSendfileTests.test_sock_sendfile_no_fallback
    func testNoFallbackThrowsSendfileNotAvailable() {
        runLoopTest { loop, _ in
            let pipe = try Pipe(containing: filePattern(100))
            let (client, server) = try await connectedPair(loop, .ipv4)
            do {
                _ = try await loop.sockSendFile(client, file: pipe.readEnd, fallback: false)
                XCTFail("sendfile from a pipe did not fail")
            } catch let error as SendfileNotAvailableError {
                XCTAssertEqual(error.message, "not a regular file")
            }
            client.close()
            server.close()
        }
    }

    // CPython: test_unix_events.SelectorEventLoopUnixSockSendfileTests.test_sock_sendfile_os_error_first_call
    // A failure of the first sendfile call counts as "not available" (and falls back).
    func testFirstCallFailureIsNotAvailable() {
        runLoopTest { loop, _ in
            let file = try TemporaryFile(bytes: filePattern(100))
            // An unconnected stream socket: sendfile fails at once (EPIPE/ENOTCONN).
            let sock = try Socket()
            defer { sock.close() }
            do {
                _ = try await loop.sockSendFile(sock, file: file.fd, fallback: false)
                XCTFail("sendfile on an unconnected socket did not fail")
            } catch is SendfileNotAvailableError {}
            // With the fallback, the real error of sockSendAll surfaces.
            do {
                _ = try await loop.sockSendFile(sock, file: file.fd)
                XCTFail("sendfile on an unconnected socket did not fail")
            } catch let error as OSError {
                XCTAssertTrue([EPIPE, ENOTCONN].contains(error.errno), "\(error)")
            }
        }
    }

    // CPython: test_base_events.BaseLoopSockSendfileTests.test_negative_count,
    // test_negative_offset, test_nonstream_socket
    func testInvalidArgumentsAreRefused() {
        runLoopTest { loop, _ in
            let file = try TemporaryFile(bytes: filePattern(100))
            let sock = try Socket()
            let udp = try Socket(type: datagramType)
            defer { sock.close(); udp.close() }
            let cases: [(String, () async throws -> Int)] = [
                ("count must be a positive integer (got -1)", { try await loop.sockSendFile(sock, file: file.fd, count: -1) }),
                ("count must be a positive integer (got 0)", { try await loop.sockSendFile(sock, file: file.fd, count: 0) }),
                ("offset must be a non-negative integer (got -1)", { try await loop.sockSendFile(sock, file: file.fd, offset: -1) }),
                ("only SOCK_STREAM type sockets are supported", { try await loop.sockSendFile(udp, file: file.fd) }),
            ]
            for (message, call) in cases {
                do {
                    _ = try await call()
                    XCTFail("accepted: \(message)")
                } catch let error as InvalidArgumentError {
                    XCTAssertEqual(error.message, message)
                }
            }
        }
    }
}

/// Bytes 0, 1, ... 250, 0, 1, ...: a prime period, so a shifted region never matches.
func filePattern(_ count: Int) -> [UInt8] {
    (0..<count).map { UInt8($0 % 251) }
}

/// A temporary regular file holding `bytes`, removed on deinit.
final class TemporaryFile: @unchecked Sendable {
    let fd: Int32
    let bytes: [UInt8]

    init(bytes: [UInt8]) throws {
        var template = Array("/tmp/asyncio-sendfile-XXXXXX".utf8CString)
        fd = mkstemp(&template)
        guard fd >= 0 else { throw OSError(errno: errno, operation: "mkstemp") }
        unlink(template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) })
        self.bytes = bytes
        var written = 0
        while written < bytes.count {
            let count = bytes[written...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            guard count > 0 else { throw OSError(errno: errno, operation: "write") }
            written += count
        }
        lseek(fd, 0, SEEK_SET)
    }

    deinit { close(fd) }

    /// The file position (sockSendFile leaves it after what it sent).
    var position: Int { Int(lseek(fd, 0, SEEK_CUR)) }
}

/// A pipe whose write end was filled with `bytes` (at most the pipe's capacity) and closed.
final class Pipe: @unchecked Sendable {
    let readEnd: Int32

    init(containing bytes: [UInt8]) throws {
        var ends: [Int32] = [0, 0]
        guard pipe(&ends) == 0 else { throw OSError(errno: errno, operation: "pipe") }
        readEnd = ends[0]
        defer { close(ends[1]) }
        let written = bytes.withUnsafeBytes { write(ends[1], $0.baseAddress, $0.count) }
        guard written == bytes.count else { throw OSError(errno: errno, operation: "write to pipe") }
    }

    deinit { close(readEnd) }
}
