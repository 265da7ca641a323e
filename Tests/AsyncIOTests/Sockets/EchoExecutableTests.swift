@testable import AsyncIO
import Foundation
import Glibc
import XCTest

/// Black-box tests of `asyncio-echo --mode sockets`: the binary the benchmark runs.
final class EchoExecutableTests: XCTestCase {
    /// The asyncio-echo binary in the build products directory, next to the test bundle.
    private func echoBinary() throws -> URL { try builtProduct("asyncio-echo") }

    /// Starts a server that prints `listening on HOST:PORT` and returns it with the port
    /// (killing it if that line does not come).
    private func startServer(
        _ executable: URL, arguments: [String], standardError: Foundation.Pipe? = nil
    ) throws -> (Process, port: Int) {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        let output = Foundation.Pipe()
        process.standardOutput = output
        if let standardError { process.standardError = standardError }
        try process.run()
        do {
            let line = try readLine(output.fileHandleForReading)
            return (process, try XCTUnwrap(Int(line.split(separator: ":").last ?? ""), line))
        } catch {
            kill(process.processIdentifier, SIGKILL)
            throw error
        }
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
        let (process, port) = try startServer(echoBinary(), arguments: ["--port", "0", "--mode", mode])
        defer {
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        }
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

    // Hostile peers against every layer's server: one resets while the server still has
    // its echo queued (it sent 4 MiB and never read), one resets halfway through sending.
    // The server loses those connections only: a client after them gets its bytes back
    // intact, and the server exits 0 on SIGTERM.
    func testPeersThatResetMidWriteCostOnlyTheirConnection() throws {
        for mode in ["protocol", "buffered", "streams", "sockets"] {
            try runResettingPeers(mode: mode)
        }
    }

    private func runResettingPeers(mode: String) throws {
        let (process, port) = try startServer(echoBinary(), arguments: ["--port", "0", "--mode", mode])
        defer {
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        }
        let pid = process.processIdentifier
        runLoopTest { loop, _ in
            let address = try SocketAddress(ipv4: "127.0.0.1", port: port)
            // 1. Sends 4 MiB without reading (the server's echo backs up), then resets.
            let flooder = try Socket(family: AF_INET)
            try await loop.sockConnect(flooder, to: address)
            let chunk = [UInt8](repeating: 0x33, count: 256 << 10)
            var pushed = 0
            let deadline = loop.time() + 10
            while pushed < 4 << 20, loop.time() < deadline {
                let sent = chunk.withUnsafeBytes { bytes -> Int in
                    guard case .done(let count)? = try? flooder.trySend(bytes) else { return 0 }
                    return count
                }
                pushed += sent
                try await loop.sleep(.milliseconds(sent == 0 ? 5 : 0))
            }
            setLingerZero(flooder)
            flooder.close()
            // 2. Resets after half of a message, with part of its echo on the way back.
            let halfway = try Socket(family: AF_INET)
            try await loop.sockConnect(halfway, to: address)
            try await loop.sockSendAll(halfway, digitPattern(32 * 1024, from: 3))
            try await loop.sleep(.milliseconds(20))
            setLingerZero(halfway)
            halfway.close()
            // 3. The server still echoes every byte to the next client.
            let client = try Socket(family: AF_INET)
            defer { client.close() }
            try await loop.sockConnect(client, to: address)
            let payload = digitPattern(256 * 1024, from: 7)
            let reader = loop.createTask { try await receiveAll(loop, client) }
            try await loop.sockSendAll(client, payload)
            try client.shutdown(Int32(SHUT_WR))
            let echoed = try await withTimeout(.seconds(20)) { try await reader.value }
            XCTAssertEqual(echoed.count, payload.count, mode)
            XCTAssertTrue(echoed == payload, "\(mode): the echo came back altered")
            kill(pid, SIGTERM)
        }
        XCTAssertTrue(waitForExit(process), "\(mode): asyncio-echo did not exit after SIGTERM")
        XCTAssertEqual(process.terminationReason, .exit, mode)
        XCTAssertEqual(process.terminationStatus, 0, mode)
    }

    // CPython: selector_events._accept_connection (EMFILE, ENFILE, ENOBUFS, ENOMEM:
    // reported, accepting paused for constants.ACCEPT_RETRY_DELAY, then resumed), which
    // the protocol and streams modes get from Server; the sockets mode and the example
    // get it from sockAcceptRetrying. Each runs with a low RLIMIT_NOFILE, is exhausted by
    // clients, reports it once without spinning, and serves a new client once the
    // clients are gone.
    func testSocketsModeSurvivesDescriptorExhaustion() throws {
        try runOutOfDescriptors(try echoBinary(), arguments: ["--port", "0", "--mode", "sockets"])
    }

    // The same through Server's accept loop, in the layers built on it (after the
    // transport rewrite, so each layer's server is shown to survive it, not only sock*).
    func testServerModesSurviveDescriptorExhaustion() throws {
        for mode in ["protocol", "buffered", "streams"] {
            try runOutOfDescriptors(try echoBinary(), arguments: ["--port", "0", "--mode", mode])
        }
    }

    func testSockEchoExampleSurvivesDescriptorExhaustion() throws {
        try runOutOfDescriptors(try builtProduct("sock-echo-example"), arguments: ["server", "0"])
    }

    private func runOutOfDescriptors(_ binary: URL, arguments: [String]) throws {
        let name = binary.lastPathComponent
        // The server needs about a dozen descriptors of its own; 32 leaves room for ~20
        // clients. The shell lowers the limit, then becomes the server (same pid).
        let errors = Foundation.Pipe()
        let (process, port) = try startServer(
            URL(fileURLWithPath: "/bin/sh"),
            arguments: ["-c", "ulimit -n 32 && exec \"$0\" \"$@\"", binary.path] + arguments,
            standardError: errors)
        defer {
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        }
        let address = try SocketAddress(ipv4: "127.0.0.1", port: port)

        // Clients one at a time, each connected before the next (so none depends on the
        // kernel's SYN retries when the backlog is small), until the server reports
        // running out of descriptors.
        var clients: [Socket] = []
        defer { for client in clients { client.close() } }
        var report = ""
        while clients.count < 60, !report.contains("out of system resource") {
            let client = try Socket()
            _ = try client.tryConnect(address)
            clients.append(client)
            var events = [pollfd(fd: client.fileno, events: Int16(POLLOUT), revents: 0),
                          pollfd(fd: errors.fileHandleForReading.fileDescriptor, events: Int16(POLLIN), revents: 0)]
            _ = poll(&events, 2, 10_000)
            report += readAvailable(errors.fileHandleForReading)
        }
        // A large backlog takes every connect at once; then the report comes later.
        for _ in 0..<100 where !report.contains("out of system resource") {
            var event = pollfd(fd: errors.fileHandleForReading.fileDescriptor, events: Int16(POLLIN), revents: 0)
            guard poll(&event, 1, 20_000) == 1 else { break }
            let more = readAvailable(errors.fileHandleForReading)
            if more.isEmpty { break }  // end of file: the server died
            report += more
        }
        guard report.contains("out of system resource"), process.isRunning else {
            XCTFail("\(name) did not report running out of descriptors, or died: \(report)")
            return
        }
        // Two retries' worth of being exhausted: no second report, and no busy loop (a
        // spin would burn the whole interval; the bound is a fraction of it).
        let cpuBefore = try cpuSeconds(process.processIdentifier)
        usleep(2_500_000)
        let cpuSpent = try cpuSeconds(process.processIdentifier) - cpuBefore
        report += readAvailable(errors.fileHandleForReading)
        XCTAssertEqual(report.components(separatedBy: "out of system resource").count - 1, 1,
                       "\(name): \(report)")
        XCTAssertTrue(report.contains("Too many open files"), "\(name): \(report)")
        XCTAssertLessThan(cpuSpent, 0.5, "\(name) kept busy while out of descriptors")

        // Free the descriptors: a new client is served again, byte for byte. (No count of
        // reports from here on: a retry that accepts one connection before the server's
        // echo tasks have closed the others ends the episode, and the next accept may
        // start another.)
        for client in clients { client.close() }
        clients = []
        runLoopTest { loop, _ in
            let client = try Socket()
            defer { client.close() }
            try await withTimeout(.seconds(20)) { try await loop.sockConnect(client, to: address) }
            let payload = digitPattern(4096, from: 3)
            try await loop.sockSendAll(client, payload)
            let echoed = try await withTimeout(.seconds(20)) {
                try await receive(loop, client, count: payload.count)
            }
            XCTAssertTrue(echoed == payload, "\(name): the echo after recovering differs (\(echoed.count) bytes)")
        }
        kill(process.processIdentifier, SIGTERM)
        XCTAssertTrue(waitForExit(process), "\(name) did not exit after SIGTERM")
    }

    /// The user and system CPU time `pid` has used, from /proc/PID/stat.
    private func cpuSeconds(_ pid: Int32) throws -> Double {
        let stat = try String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8)
        // Fields after the command name (which may hold spaces, inside parentheses):
        // state is field 3, utime and stime are fields 14 and 15.
        let fields = stat[stat.index(after: try XCTUnwrap(stat.lastIndex(of: ")")))...].split(separator: " ")
        let ticks = try XCTUnwrap(Double(fields[11])) + XCTUnwrap(Double(fields[12]))
        return ticks / Double(sysconf(Int32(_SC_CLK_TCK)))
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
