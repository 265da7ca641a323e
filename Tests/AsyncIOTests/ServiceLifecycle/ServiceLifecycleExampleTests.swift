@testable import AsyncIO
import Foundation
import Glibc
import XCTest

/// Black-box test of AsyncIOServiceLifecycle: `service-lifecycle-example` runs a real
/// `ServiceGroup` (an `EventLoopService` with a streams echo server, beside another
/// service) in a child process; SIGTERM with clients attached shuts it down gracefully.
final class ServiceLifecycleExampleTests: XCTestCase {
    private let gracePeriodSeconds = 5  // room for the steps below on a loaded machine

    // After SIGTERM: new connections are refused; connections already open are served
    // through the grace period and may finish by themselves; those left are closed after
    // what their transports buffered is written (a client that had stopped reading gets
    // every byte, then end of file, no reset); the process exits 0.
    func testSIGTERMDrainsTheClientsAndExitsZero() throws {
        let process = Process()
        process.executableURL = try builtProduct("service-lifecycle-example")
        process.arguments = ["--port", "0", "--grace-period", "\(gracePeriodSeconds)"]
        let output = Foundation.Pipe()
        let log = Foundation.Pipe()
        process.standardOutput = output
        process.standardError = log
        try process.run()
        defer {
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        }
        let line = try readLine(output.fileHandleForReading)
        let prefix = "listening on 127.0.0.1:"
        XCTAssertTrue(line.hasPrefix(prefix), line)
        let port = try XCTUnwrap(Int(line.dropFirst(prefix.count)), line)
        let pid = process.processIdentifier
        let logText = Box("")

        runLoopTest { loop, _ in
            let address = try SocketAddress(host: "127.0.0.1", port: port)
            // Four clients that keep their connections open, each echoing 64 KiB first.
            var steady: [Socket] = []
            for index in 0..<4 {
                let client = try Socket(family: .inet)
                try await loop.sockConnect(client, to: address)
                steady.append(client)
                try await echo(loop, client, digitPattern(64 * 1024, from: index))
            }
            // One that will finish by itself during the grace period.
            let finisher = try Socket(family: .inet)
            try await loop.sockConnect(finisher, to: address)
            // One that sends 96 KiB and reads nothing until the server has closed it: the
            // echo waits in the server's queues. (EventLoopServiceTests checks the flush of
            // a transport's own write buffer, which loopback's large kernel buffers hide here.)
            let stalled = try Socket(family: .inet)
            try stalled.setOption(.receiveBufferSize, value: 4096)
            try await loop.sockConnect(stalled, to: address)
            let stalledPayload = digitPattern(96 * 1024, from: 7)
            try await loop.sockSendAll(stalled, stalledPayload)
            defer { for client in steady + [finisher, stalled] { client.close() } }

            kill(pid, SIGTERM)
            // The service logs once its server stopped accepting.
            while !logText.value.contains("stopped accepting") {
                logText.value += try readLine(log.fileHandleForReading) + "\n"
            }
            let late = try Socket(family: .inet)
            defer { late.close() }
            do {
                try await withTimeout(.seconds(10)) { try await loop.sockConnect(late, to: address) }
                XCTFail("a connection made after SIGTERM was accepted")
            } catch let error as OSError where error.isConnectionRefused {}

            // The grace period: open connections are still served...
            for (index, client) in steady.enumerated() {
                try await echo(loop, client, digitPattern(64 * 1024, from: index + 4))
            }
            // ...and one that finishes gets its echo and its end of file.
            let finisherPayload = digitPattern(32 * 1024, from: 5)
            try await loop.sockSendAll(finisher, finisherPayload)
            try finisher.shutdown(.write)
            let finisherEcho = try await withTimeout(.seconds(10)) { try await receiveAll(loop, finisher) }
            XCTAssertTrue(finisherEcho == finisherPayload, "the finishing client got \(finisherEcho.count) bytes")

            // After it, the server closes the others: end of file, not a reset.
            for client in steady {
                let rest = try await withTimeout(.seconds(20)) { try await receiveAll(loop, client) }
                XCTAssertEqual(rest, [], "a steady client got bytes it did not send")
            }
            // The stalled client reads only now, after the server closed its connection:
            // every byte the server had echoed was flushed before the close.
            let stalledEcho = try await withTimeout(.seconds(20)) { try await receiveAll(loop, stalled) }
            XCTAssertTrue(stalledEcho == stalledPayload,
                          "the stalled client got \(stalledEcho.count) of \(stalledPayload.count) bytes")
        }
        XCTAssertTrue(waitForExit(process, seconds: 30), "service-lifecycle-example did not exit after SIGTERM")
        XCTAssertEqual(process.terminationReason, .exit)
        XCTAssertEqual(process.terminationStatus, 0)
        let text = logText.value + String(decoding: log.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        XCTAssertTrue(text.contains("announcer: graceful shutdown began"), text)
        XCTAssertTrue(text.contains("closing the connections still open"), text)
        XCTAssertTrue(text.contains("every connection closed"), text)
        XCTAssertFalse(text.contains("aborting"), text)
    }

    func testBadArgumentsAreAUsageError() throws {
        let process = Process()
        process.executableURL = try builtProduct("service-lifecycle-example")
        process.arguments = ["--grace-period", "soon"]
        let output = Foundation.Pipe()
        process.standardOutput = output
        try process.run()
        XCTAssertTrue(waitForExit(process))
        XCTAssertEqual(process.terminationStatus, 64)
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        XCTAssertTrue(text.contains("usage: service-lifecycle-example"), text)
    }
}

/// Sends `payload` on `client` and reads its echo back in full.
private func echo(_ loop: isolated EventLoop, _ client: Socket, _ payload: [UInt8]) async throws {
    let reader = loop.createTask { try await receive(loop, client, count: payload.count) }
    try await loop.sockSendAll(client, payload)
    let echoed = try await withTimeout(.seconds(10)) { try await reader.value }
    XCTAssertTrue(echoed == payload, "an echo came back altered (\(echoed.count) of \(payload.count) bytes)")
}
