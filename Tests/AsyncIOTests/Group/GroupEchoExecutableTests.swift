@testable import AsyncIO
import Foundation
import Glibc
import XCTest

/// Black-box tests of `asyncio-echo --loops N`: a real process on an EventLoopGroup,
/// stopped by a real signal.
final class GroupEchoExecutableTests: XCTestCase {
    /// The built asyncio-echo, next to the test bundle.
    private func echoBinary() throws -> URL { try builtProduct("asyncio-echo") }

    /// A running server: its process, its stdout, and the port it announced.
    private struct RunningServer {
        var process: Process
        var output: FileHandle
        var port: Int
    }

    private func start(_ command: [String]) throws -> RunningServer {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: command[0])
        process.arguments = Array(command.dropFirst())
        let output = Foundation.Pipe()
        process.standardOutput = output
        try process.run()
        let line = try nextLine(output.fileHandleForReading)
        guard line.hasPrefix("listening on 127.0.0.1:"), let port = Int(line.split(separator: ":").last ?? "") else {
            kill(process.processIdentifier, SIGKILL)
            throw OSError(errno: EINVAL, message: "unexpected first line: \(line)")
        }
        return RunningServer(process: process, output: output.fileHandleForReading, port: port)
    }

    /// One line of `handle`, within 10 s (poll(2): a silent process fails the test).
    private func nextLine(_ handle: FileHandle) throws -> String {
        var line: [UInt8] = []
        while line.last != UInt8(ascii: "\n") {
            var request = pollfd(fd: handle.fileDescriptor, events: Int16(POLLIN), revents: 0)
            guard poll(&request, 1, 10_000) == 1 else { throw OSError(errno: ETIMEDOUT, message: "no line from asyncio-echo") }
            var byte: UInt8 = 0
            guard read(handle.fileDescriptor, &byte, 1) == 1 else { break }
            line.append(byte)
        }
        return String(decoding: line.dropLast(), as: UTF8.self)
    }

    /// Waits (bounded) for the process to exit; returns whether it did.
    private func exited(_ process: Process) -> Bool {
        for _ in 0..<1000 where process.isRunning { usleep(10_000) }
        return !process.isRunning
    }

    /// The numbers of the `connections per loop: A B` line.
    private func connectionsPerLoop(_ server: RunningServer) throws -> [Int] {
        let line = try nextLine(server.output)
        XCTAssertTrue(line.hasPrefix("connections per loop: "), line)
        return line.dropFirst("connections per loop: ".count).split(separator: " ").compactMap { Int($0) }
    }

    // SIGTERM with clients attached: every loop's server closes, the clients are closed,
    // every thread is joined, exit status 0 (issue 14). Each mode that takes --loops.
    func testTwoLoopsEchoAndSIGTERMWithClientsAttachedExitsZero() throws {
        for mode in ["protocol", "buffered", "streams"] {
            try runWithClientsAttached(mode: mode, signal: mode == "streams" ? SIGINT : SIGTERM)
        }
        try runWithClientsAttached(mode: "protocol", signal: SIGTERM, distribution: "roundrobin")
    }

    private func runWithClientsAttached(mode: String, signal: Int32, distribution: String = "reuseport") throws {
        let server = try start([try echoBinary().path, "--port", "0", "--loops", "2", "--mode", mode, "--work", "2",
                                "--distribution", distribution])
        defer { if server.process.isRunning { kill(server.process.processIdentifier, SIGKILL) } }
        let pid = server.process.processIdentifier
        runLoopTest { loop, _ in
            let address = try SocketAddress(ipv4: "127.0.0.1", port: server.port)
            // 30 clients stay connected, each checked byte for byte, while the signal comes.
            var clients: [Socket] = []
            for index in 0..<30 {
                let client = try await rawClient(loop, to: address)
                clients.append(client)
                let payload = digitPattern(20_000 + 100 * index, from: index)
                try await rawSendAll(loop, client, payload)
                let echoed = try await rawRead(loop, client, atLeast: payload.count).bytes
                XCTAssertTrue(echoed == payload, "\(mode): client \(index)'s echo differs")
            }
            kill(pid, signal)
            for client in clients {
                let (rest, eof) = try await rawRead(loop, client, atLeast: 0, untilEOF: true)
                XCTAssertTrue(eof && rest.isEmpty, "\(mode): the server did not close an attached client")
                client.close()
            }
        }
        let counts = try connectionsPerLoop(server)
        XCTAssertEqual(counts.count, 2, mode)
        if distribution == "roundrobin" { XCTAssertEqual(counts, [15, 15]) }
        XCTAssertEqual(counts.reduce(0, +), 30, "\(mode): \(counts)")
        XCTAssertTrue(exited(server.process), "\(mode): asyncio-echo --loops 2 did not exit after signal \(signal)")
        XCTAssertEqual(server.process.terminationReason, .exit, mode)
        XCTAssertEqual(server.process.terminationStatus, 0, mode)
    }

    // --loops 0 is one loop per CPU the process may use: under `taskset -c 0`, one.
    func testLoopsZeroFollowsTheAffinityMask() throws {
        // taskset is util-linux's, on every Debian system (the benchmark needs it too).
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/taskset") else { throw MissingExecutable(description: "no /usr/bin/taskset") }
        let server = try start(["/usr/bin/taskset", "-c", "0", try echoBinary().path, "--port", "0", "--loops", "0"])
        defer { if server.process.isRunning { kill(server.process.processIdentifier, SIGKILL) } }
        runLoopTest { loop, _ in
            let echoed = try await echoRoundTrip(loop, port: server.port, [9, 8, 7])
            XCTAssertEqual(echoed, [9, 8, 7])
        }
        kill(server.process.processIdentifier, SIGTERM)
        XCTAssertEqual(try connectionsPerLoop(server), [1])
        XCTAssertTrue(exited(server.process))
        XCTAssertEqual(server.process.terminationStatus, 0)
    }

    func testLoopsWithTheSocketsModeIsAUsageError() throws {
        let (status, message) = try runToExit([try echoBinary().path, "--loops", "2", "--mode", "sockets"])
        XCTAssertEqual(status, 64)  // EX_USAGE
        XCTAssertTrue(message.contains("--loops works with modes protocol, buffered and streams"), message)
    }

    /// Runs a command that exits at once; returns its status and standard error.
    private func runToExit(_ command: [String]) throws -> (Int32, String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: command[0])
        process.arguments = Array(command.dropFirst())
        let errors = Foundation.Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let message = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return (process.terminationStatus, message)
    }
}
