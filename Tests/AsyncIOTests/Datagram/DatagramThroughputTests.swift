@testable import AsyncIO
import Glibc
import XCTest

/// Sends the next datagram for each echo that comes back, keeping `window` in flight.
private final class WindowedClient: DatagramProtocol, @unchecked Sendable {
    let total: Int
    let window: Int
    var transport: (any DatagramTransport)?
    var sent = 0
    var received = 0
    var mismatches = 0
    var errors: [any Error] = []
    var isLost = false

    init(total: Int, window: Int) {
        self.total = total
        self.window = window
    }

    func connectionMade(_ transport: any DatagramTransport) {
        self.transport = transport
        while sent < min(window, total) { sendNext() }
    }

    func datagramReceived(_ data: [UInt8], from address: SocketAddress?) {
        received += 1
        if data.count != 8 { mismatches += 1 }
        if sent < total { sendNext() }
    }

    private func sendNext() {
        var counter = UInt64(sent).bigEndian
        withUnsafeBytes(of: &counter) { try? transport?.sendTo($0, address: nil) }
        sent += 1
    }

    func errorReceived(_ error: any Error) { errors.append(error) }
    func connectionLost(_ error: (any Error)?) { isLost = true }
}

/// An echo server that counts what it echoes.
private final class CountingEcho: DatagramProtocol, @unchecked Sendable {
    var transport: (any DatagramTransport)?
    var echoed = 0
    var isLost = false
    func connectionMade(_ transport: any DatagramTransport) { self.transport = transport }
    func datagramReceived(_ data: [UInt8], from address: SocketAddress?) {
        echoed += 1
        try? transport?.sendTo(data, address: address)
    }
    func connectionLost(_ error: (any Error)?) { isLost = true }
}

final class DatagramThroughputTests: XCTestCase {
    /// 100,000 small datagrams echoed over loopback: completes, bounded in time (no
    /// speed is asserted; the benchmark measures that). The window keeps the receive
    /// queues far from full, so UDP on loopback drops nothing.
    func testHundredThousandDatagramEcho() {
        runLoopTest(timeout: .seconds(120)) { loop, _ in
            let server = CountingEcho()
            let (serverTransport, _) = try await loop.createDatagramEndpoint({ server }, localAddress: ("127.0.0.1", 0))
            let port = serverTransport.sockName!.port!
            let total = 100_000
            let client = WindowedClient(total: total, window: 32)
            let (clientTransport, _) = try await loop.createDatagramEndpoint({ client }, remoteAddress: ("127.0.0.1", port))
            let started = loop.time()
            try await waitUntil(loop, timeout: 100) { client.received == total }
            let elapsed = loop.time() - started
            print("datagram echo: \(total) round trips in \(elapsed) s")
            XCTAssertEqual(server.echoed, total)
            XCTAssertEqual(client.sent, total)
            XCTAssertEqual(client.mismatches, 0)
            XCTAssertTrue(client.errors.isEmpty, "\(client.errors)")
            clientTransport.close()
            serverTransport.close()
            try await waitUntil(loop) { client.isLost && server.isLost }
        }
    }
}
