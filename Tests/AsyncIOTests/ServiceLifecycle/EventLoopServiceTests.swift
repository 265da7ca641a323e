import AsyncIO
import AsyncIOServiceLifecycle
import Logging
import ServiceLifecycle
import XCTest

/// `EventLoopService` in a real `ServiceGroup`, in this process: the service's loop runs
/// on its own thread, the test's clients on the test's loop.
final class EventLoopServiceTests: XCTestCase {
    /// 1 MiB, what `BlobSender` writes to every client.
    private static let blob = digitPattern(1 << 20, from: 3)

    // Graceful shutdown closes a connection still open after the grace period with
    // `closeClients`: what its transport buffered (nearly all of 1 MiB, the socket's send
    // buffer being 4 KiB and the client not reading) is written before the close.
    func testGracefulShutdownFlushesWhatTheTransportBufferedBeforeClosing() {
        let log = CapturedLog()
        withBlobClient(gracePeriod: .milliseconds(100), log: log) { loop, group, run, client, first in
            await group.triggerGracefulShutdown()
            // Read nothing more until the service closes the connection, so the rest
            // is still in the server's write buffer then.
            try await waitForLog(loop, log, "closing the connections still open")
            let rest = try await withTimeout(.seconds(20)) { try await receiveAll(loop, client) }
            XCTAssertTrue(first + rest == Self.blob, "got \(1 + rest.count) of \(Self.blob.count) bytes")
            try await withTimeout(.seconds(20)) { try await run.value }
        }
        XCTAssertTrue(log.entries.contains { $0.message.contains("every connection closed") },
                      "\(log.entries.map(\.message))")
    }

    // Cancelling the service's task skips the grace period and aborts the connections:
    // the buffered megabyte is dropped, not written.
    func testCancellationAbortsTheConnections() {
        let log = CapturedLog()
        withBlobClient(gracePeriod: .seconds(60), log: log) { loop, _, run, client, _ in
            run.cancel()
            try await waitForLog(loop, log, "aborting the connections still open")
            var received = 1
            do {
                received += try await withTimeout(.seconds(20)) { try await receiveAll(loop, client) }.count
            } catch let error as OSError where error.isConnectionReset {}
            XCTAssertLessThan(received, Self.blob.count, "an aborted connection delivered its whole buffer")
            _ = try? await withTimeout(.seconds(20)) { try await run.value }
        }
    }

    // An error thrown while starting the servers is what `run()` throws; the loop's
    // thread ends.
    func testAnErrorFromStartIsThrownByRun() async {
        struct NoConfiguration: Error {}
        let service = EventLoopService(name: "failing") { _ in throw NoConfiguration() }
        do {
            try await service.run()
            XCTFail("run() returned")
        } catch {
            XCTAssertTrue(error is NoConfiguration, "\(error)")
        }
    }

    /// Runs a group with one service whose server sends `blob` to every client through a
    /// socket with a 4 KiB send buffer; connects a client with a small receive buffer, reads
    /// the first byte, and hands `body` the group, the task running it, the client and that
    /// byte.
    private func withBlobClient(
        gracePeriod: Duration, log: CapturedLog,
        _ body: @escaping (isolated EventLoop, ServiceGroup, Task<Void, any Error>, Socket, [UInt8]) async throws -> Void
    ) {
        let (ports, portSink) = AsyncStream.makeStream(of: Int.self)
        let service = EventLoopService(
            name: "blob", gracePeriod: gracePeriod, closeTimeout: .seconds(20), logger: log.logger
        ) { loop in
            let server = try await loop.createServer({ BlobSender(blob: Self.blob) }, host: "127.0.0.1", port: 0)
            portSink.yield(try server.sockets[0].localAddress.port!)
            return [server]
        }
        let group = ServiceGroup(services: [service], logger: log.logger)
        // Used only on the test loop's thread, which runs until the body is done (as
        // runLoopTest's own body).
        nonisolated(unsafe) let body = body
        runLoopTest { loop, _ in
            let run = Task { try await group.run() }
            let client = try await connectClient(loop, ports)
            defer { client.close() }
            let first = try await withTimeout(.seconds(10)) { try await loop.sockRecv(client, 1) }
            XCTAssertEqual(first, [Self.blob[0]])
            try await body(loop, group, run, client, first)
        }
    }
}

/// Writes its blob as soon as the connection is made, into a 4 KiB send buffer, so most
/// of it waits in the transport's write buffer until the peer reads.
private final class BlobSender: StreamingProtocol {
    let blob: [UInt8]
    init(blob: [UInt8]) { self.blob = blob }

    func connectionMade(_ transport: any Transport) {
        try? transport.socket?.setOption(.sendBufferSize, value: 4096)
        transport.write(blob)
    }
    func dataReceived(_ data: [UInt8]) {}
}

/// Connects to the first port `ports` reports, with a small receive buffer.
private func connectClient(_ loop: isolated EventLoop, _ ports: AsyncStream<Int>) async throws -> Socket {
    var iterator = ports.makeAsyncIterator()
    let reported = await iterator.next()
    let port = try XCTUnwrap(reported, "the service did not report its port")
    let client = try Socket(family: .inet)
    try client.setOption(.receiveBufferSize, value: 4096)
    try await withTimeout(.seconds(10)) {
        try await loop.sockConnect(client, to: SocketAddress(host: "127.0.0.1", port: port))
    }
    return client
}

/// Waits (up to 20 s) until `log` holds a message containing `text`.
private func waitForLog(_ loop: isolated EventLoop, _ log: CapturedLog, _ text: String) async throws {
    for _ in 0..<2000 where !log.entries.contains(where: { $0.message.contains(text) }) {
        try await loop.sleep(.milliseconds(10))
    }
    XCTAssertTrue(log.entries.contains { $0.message.contains(text) }, "no log message with '\(text)'")
}
