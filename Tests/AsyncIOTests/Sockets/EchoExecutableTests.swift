@testable import AsyncIO
import Foundation
import Glibc
import XCTest

/// Black-box tests of `asyncio-echo --mode sockets`: the binary the benchmark runs.
final class EchoExecutableTests: XCTestCase {
    /// The asyncio-echo binary in the build products directory, next to the test bundle.
    private func echoBinary() throws -> URL { try builtProduct("asyncio-echo") }

    private func builtProduct(_ name: String) throws -> URL {
        var directories = [Bundle.main.bundleURL, Bundle.main.bundleURL.deletingLastPathComponent()]
        if let first = CommandLine.arguments.first {
            directories.append(URL(fileURLWithPath: first).deletingLastPathComponent())
        }
        for directory in directories {
            let candidate = directory.appendingPathComponent(name)
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
        }
        throw XCTSkip("\(name) is not built (looked in \(directories.map(\.path)))")
    }

    /// Reads one line from `handle` within `timeout` seconds (poll(2), so a silent
    /// process fails the test instead of hanging it).
    private func readLine(_ handle: FileHandle, timeout: Int32 = 10_000) throws -> String {
        var line: [UInt8] = []
        while line.last != UInt8(ascii: "\n") {
            var request = pollfd(fd: handle.fileDescriptor, events: Int16(POLLIN), revents: 0)
            guard poll(&request, 1, timeout) == 1 else { throw OSError(errno: ETIMEDOUT, message: "no line from asyncio-echo") }
            var byte: UInt8 = 0
            guard read(handle.fileDescriptor, &byte, 1) == 1 else { break }
            line.append(byte)
        }
        return String(decoding: line, as: UTF8.self).trimmingCharacters(in: .newlines)
    }

    private func waitForExit(_ process: Process, seconds: Double = 10) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while process.isRunning, Date() < deadline { usleep(10_000) }
        return !process.isRunning
    }

    func testSocketsModeEchoesForSeveralClientsAndExitsOnSIGTERM() throws {
        try runEchoServer(mode: "sockets", host: .ipv4, signal: SIGTERM)
    }

    func testSocketsModeOnIPv6ExitsOnSIGINT() throws {
        try requireHost(.ipv6)
        try runEchoServer(mode: "sockets", host: .ipv6, signal: SIGINT)
    }

    func testProtocolModeEchoesAndExitsOnSIGTERM() throws {
        try runEchoServer(mode: "protocol", host: .ipv4, signal: SIGTERM)
    }

    func testBufferedModeEchoesAndExitsOnSIGTERM() throws {
        try runEchoServer(mode: "buffered", host: .ipv4, signal: SIGTERM)
    }

    func testStreamsModeOnIPv6EchoesAndExitsOnSIGINT() throws {
        try requireHost(.ipv6)
        try runEchoServer(mode: "streams", host: .ipv6, signal: SIGINT)
    }

    private func runEchoServer(mode: String, host: Loopback, signal: Int32) throws {
        let binary = try echoBinary()
        let process = Process()
        process.executableURL = binary
        process.arguments = ["--host", host.rawValue, "--port", "0", "--mode", mode]
        let output = Foundation.Pipe()
        process.standardOutput = output
        try process.run()
        defer {
            if process.isRunning { process.interrupt(); _ = waitForExit(process, seconds: 2) }
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        }
        let line = try readLine(output.fileHandleForReading)
        let prefix = "listening on \(host.rawValue):"
        XCTAssertTrue(line.hasPrefix(prefix), line)
        let port = try XCTUnwrap(Int(line.dropFirst(prefix.count)), line)
        XCTAssertGreaterThan(port, 0)

        runLoopTest { loop, _ in
            let address = try SocketAddress(host: host.rawValue, port: port)
            // Five clients at once, each echoing 64 KiB in pieces of different sizes.
            let clients = (0..<5).map { index in
                loop.createTask { () -> Bool in
                    let sock = try Socket(family: host.family)
                    defer { sock.close() }
                    try await loop.sockConnect(sock, to: address)
                    let payload = digitPattern(64 * 1024, from: index)
                    let reader = loop.createTask { try await receiveAll(loop, sock) }
                    var offset = 0
                    let piece = 1000 + 1500 * index
                    while offset < payload.count {
                        let end = min(offset + piece, payload.count)
                        try await loop.sockSendAll(sock, Array(payload[offset..<end]))
                        offset = end
                    }
                    try sock.shutdown(Int32(SHUT_WR))
                    let echoed = try await reader.value
                    return echoed == payload
                }
            }
            try await withTimeout(.seconds(20)) {
                for client in clients {
                    let intact = try await client.value
                    XCTAssertTrue(intact, "an echo came back altered")
                }
            }
            // A client still connected when the server stops is closed by it.
            let idle = try Socket(family: host.family)
            try await loop.sockConnect(idle, to: address)
            try await loop.sockSendAll(idle, [1, 2, 3])
            let reply = try await withTimeout(.seconds(10)) { try await loop.sockRecv(idle, 10) }
            XCTAssertEqual(reply, [1, 2, 3])
            kill(process.processIdentifier, signal)
            let eof = try await withTimeout(.seconds(10)) { try await receiveAll(loop, idle) }
            XCTAssertEqual(eof, [])
            idle.close()
        }
        XCTAssertTrue(waitForExit(process), "asyncio-echo did not exit after signal \(signal)")
        XCTAssertEqual(process.terminationReason, .exit)
        XCTAssertEqual(process.terminationStatus, 0)
    }

    // A hostile peer that sends and never reads: the server's write buffer fills, its
    // protocol pauses reading (flow control), the kernel buffers fill, and the peer's
    // sends stop being accepted; the server's memory stays bounded, and it still serves
    // another client and exits 0 on SIGTERM with the hostile peer attached.
    func testPeerThatNeverReadsIsHeldBackByFlowControl() throws {
        for mode in ["protocol", "buffered", "streams", "sockets"] {
            try runNonReadingPeer(mode: mode)
        }
    }

    private func runNonReadingPeer(mode: String) throws {
        let process = Process()
        process.executableURL = try echoBinary()
        process.arguments = ["--port", "0", "--mode", mode]
        let output = Foundation.Pipe()
        process.standardOutput = output
        try process.run()
        defer {
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        }
        let line = try readLine(output.fileHandleForReading)
        let port = try XCTUnwrap(Int(line.split(separator: ":").last ?? ""), line)
        let budget = 256 << 20  // far more than kernel buffers and the write buffer hold
        let accepted = Box(0)
        let pid = process.processIdentifier
        runLoopTest { loop, _ in
            let address = try SocketAddress(ipv4: "127.0.0.1", port: port)
            let hostile = try Socket(family: AF_INET)
            try await loop.sockConnect(hostile, to: address)
            let chunk = [UInt8](repeating: 0x5a, count: 1 << 20)
            // Push until the peer stops taking data for a while (bounded by the budget
            // and by a 30 s deadline).
            var stalled = 0
            let deadline = loop.time() + 30
            while accepted.value < budget, stalled < 50, loop.time() < deadline {
                let sent = chunk.withUnsafeBytes { bytes -> Int in
                    guard case .done(let count)? = try? hostile.trySend(bytes) else { return 0 }
                    return count
                }
                accepted.value += sent
                stalled = sent == 0 ? stalled + 1 : 0
                try await loop.sleep(.milliseconds(sent == 0 ? 10 : 0))
            }
            // The server still serves someone else meanwhile.
            let other = try Socket(family: AF_INET)
            try await loop.sockConnect(other, to: address)
            try await loop.sockSendAll(other, Array("still here".utf8))
            let echoed = try await withTimeout(.seconds(10)) {
                var bytes: [UInt8] = []
                while bytes.count < 10 { bytes += try await loop.sockRecv(other, 64) }
                return bytes
            }
            XCTAssertEqual(String(decoding: echoed, as: UTF8.self), "still here", mode)
            other.close()
            kill(pid, SIGTERM)
            try await loop.sleep(.milliseconds(10))
            hostile.close()
        }
        XCTAssertLessThan(accepted.value, budget / 4, "\(mode): the server kept reading from a peer that never reads")
        XCTAssertTrue(waitForExit(process), "\(mode): asyncio-echo did not exit after SIGTERM")
        XCTAssertEqual(process.terminationStatus, 0, mode)
    }

    func testUnknownModeIsRejectedWithAUsageError() throws {
        let process = Process()
        process.executableURL = try echoBinary()
        process.arguments = ["--mode", "carrier-pigeon", "--port", "0"]
        let errors = Foundation.Pipe()
        process.standardError = errors
        process.standardOutput = Foundation.Pipe()
        try process.run()
        XCTAssertTrue(waitForExit(process))
        XCTAssertEqual(process.terminationStatus, 64)  // EX_USAGE, swift-argument-parser's
        let message = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        XCTAssertTrue(message.contains("carrier-pigeon"), message)
    }

    // The sock_* example (Examples/SockEcho) in its one-process mode: a server task and
    // a client in one loop.
    func testSockEchoExampleRunsBothEnds() throws {
        let process = Process()
        process.executableURL = try builtProduct("sock-echo-example")
        let output = Foundation.Pipe()
        process.standardOutput = output
        try process.run()
        XCTAssertTrue(waitForExit(process), "sock-echo-example did not finish")
        XCTAssertEqual(process.terminationStatus, 0)
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        XCTAssertTrue(text.contains("got message from server: ack from client connect success\n"), text)
        XCTAssertTrue(text.contains("got message from server: hello world\n"), text)
    }
}
