@testable import AsyncIO
import Glibc
import XCTest

/// Unix datagram endpoints (asyncio's `family=AF_UNIX`), on the same transport as UDP.
final class DatagramUnixTests: XCTestCase {
    private var directory = ""

    override func setUpWithError() throws {
        var template = Array("/tmp/asyncio-dgram-XXXXXX".utf8CString)
        let made = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
        directory = try XCTUnwrap(made.map { String(cString: $0) })
    }

    override func tearDown() {
        for name in ["server", "client", "stale"] { unlink("\(directory)/\(name)") }
        rmdir(directory)
    }

    // CPython: test_base_events.BaseEventLoopWithSelectorTests.test_create_datagram_endpoint_existing_sock_unix
    func testEchoBetweenPathsAfterStaleFile() {
        let serverPath = "\(directory)/server"
        let clientPath = "\(directory)/client"
        let stalePath = "\(directory)/stale"
        runLoopTest { loop, _ in
            // A socket file left behind by a closed socket is removed before binding.
            let stale = try Socket(family: AF_UNIX, type: datagramType)
            try stale.bind(SocketAddress(unixPath: serverPath))
            stale.close()

            let server = RecordingDatagramProtocol(echoes: true)
            let (serverTransport, _) = try await loop.createDatagramEndpoint({ server }, localPath: serverPath)
            XCTAssertEqual(serverTransport.sockName?.path, serverPath)
            let client = RecordingDatagramProtocol()
            let (clientTransport, _) = try await loop.createDatagramEndpoint({ client }, localPath: clientPath,
                                                                            remotePath: serverPath)
            XCTAssertEqual(clientTransport.peerName?.path, serverPath)
            XCTAssertEqual(clientTransport.socket?.family, AF_UNIX)
            for (index, size) in [0, 1, 1400, 60000].enumerated() {
                try clientTransport.sendTo(pattern(size))
                try await waitUntil(loop) { client.datagrams.count == index + 1 }
                XCTAssertEqual(client.datagrams[index].data, pattern(size))
                XCTAssertEqual(client.datagrams[index].from?.path, serverPath)
                XCTAssertEqual(server.datagrams[index].from?.path, clientPath)
            }
            XCTAssertThrowsError(try clientTransport.sendTo([1], address: SocketAddress(unixPath: stalePath)))
            try await closeAndWait(loop, clientTransport, client)
            try await closeAndWait(loop, serverTransport, server)
            XCTAssertEqual(client.events, [.made, .lost])
            XCTAssertEqual(server.events, [.made, .lost])
        }
    }

    // CPython: test_base_events.BaseEventLoopWithSelectorTests.test_create_datagram_endpoint_sock_unix
    func testUnboundUnixEndpointFromFamily() {
        let serverPath = "\(directory)/server"
        runLoopTest { loop, _ in
            let unbound = RecordingDatagramProtocol()
            let (transport, _) = try await loop.createDatagramEndpoint({ unbound }, family: AF_UNIX)
            XCTAssertEqual(transport.socket?.family, AF_UNIX)
            XCTAssertNil(transport.peerName)

            // A datagram from an unnamed (unbound) socket has no sender address.
            let server = RecordingDatagramProtocol()
            let (serverTransport, _) = try await loop.createDatagramEndpoint({ server }, localPath: serverPath)
            try transport.sendTo([7, 7], address: SocketAddress(unixPath: serverPath))
            try await waitUntil(loop) { server.datagrams.count == 1 }
            XCTAssertEqual(server.datagrams[0].data, [7, 7])
            XCTAssertNil(server.datagrams[0].from)
            try await closeAndWait(loop, transport, unbound)
            try await closeAndWait(loop, serverTransport, server)
        }
    }

    /// A Unix datagram socket blocks when the receiver's queue is full, which a UDP socket
    /// on loopback never does: the sender queues, pauses its protocol above the high mark,
    /// and resumes once the receiver drains; every datagram arrives, in order.
    // CPython: test_selector_events.SelectorDatagramTransportTests.test_sendto_buffer,
    // test_sendto_ready, and _FlowControlMixin's pause/resume.
    func testFlowControlPausesAndResumes() {
        let serverPath = "\(directory)/server"
        runLoopTest { loop, _ in
            // A plain socket as the receiver, read only once the sender has paused.
            let receiver = try Socket(family: AF_UNIX, type: datagramType)
            defer { receiver.close() }
            try receiver.bind(SocketAddress(unixPath: serverPath))
            let sender = RecordingDatagramProtocol()
            let (transport, _) = try await loop.createDatagramEndpoint({ sender }, remotePath: serverPath)
            try transport.setWriteBufferLimits(high: 4000, low: 1000)
            let sizeWhenPaused = Box(0)
            sender.onPause = { sizeWhenPaused.value = transport.writeBufferSize }

            let count = 300
            for index in 0..<count {
                try transport.sendTo(withUnsafeBytes(of: UInt16(index).bigEndian) { Array($0) } + pattern(498))
            }
            XCTAssertEqual(sender.events, [.made, .pause])
            XCTAssertGreaterThan(sizeWhenPaused.value, 4000)
            XCTAssertGreaterThan(transport.writeBufferSize, 4000)

            let received = try await receiveDatagrams(loop, receiver, count: count)
            XCTAssertEqual(received.map(\.count), Array(repeating: 500, count: count))
            XCTAssertEqual(received.map { Int($0[0]) << 8 | Int($0[1]) }, Array(0..<count))
            try await waitUntil(loop) { sender.count(.resume) == 1 }
            XCTAssertEqual(transport.writeBufferSize, 0)
            XCTAssertEqual(sender.events, [.made, .pause, .resume])
            try await closeAndWait(loop, transport, sender)
        }
    }

    /// close() with datagrams still queued sends them first, then reports the loss once.
    // CPython: test_selector_events.SelectorDatagramTransportTests.test_sendto_ready_closing
    func testCloseFlushesQueuedDatagrams() {
        let serverPath = "\(directory)/server"
        runLoopTest { loop, _ in
            let receiver = try Socket(family: AF_UNIX, type: datagramType)
            defer { receiver.close() }
            try receiver.bind(SocketAddress(unixPath: serverPath))
            let sender = RecordingDatagramProtocol()
            let (transport, _) = try await loop.createDatagramEndpoint({ sender }, remotePath: serverPath)
            let count = 100
            for index in 0..<count { try transport.sendTo([UInt8(index)]) }
            XCTAssertGreaterThan(transport.writeBufferSize, 0, "the receiver's queue should be full")
            transport.close()
            try await loop.sleep(.milliseconds(5))
            XCTAssertFalse(sender.isLost, "queued datagrams keep the endpoint open")
            let received = try await receiveDatagrams(loop, receiver, count: count)
            XCTAssertEqual(received, (0..<count).map { [UInt8($0)] })
            try await waitUntil(loop) { sender.isLost }
            XCTAssertEqual(sender.events.filter { $0 == .lost }.count, 1)
            XCTAssertNil(sender.lostError)
        }
    }

    /// abort() drops what is queued.
    // CPython: test_selector_events.SelectorDatagramTransportTests.test_abort
    func testAbortDropsQueuedDatagrams() {
        let serverPath = "\(directory)/server"
        runLoopTest { loop, _ in
            let receiver = try Socket(family: AF_UNIX, type: datagramType)
            defer { receiver.close() }
            try receiver.bind(SocketAddress(unixPath: serverPath))
            let sender = RecordingDatagramProtocol()
            let (transport, _) = try await loop.createDatagramEndpoint({ sender }, remotePath: serverPath)
            for index in 0..<100 { try transport.sendTo([UInt8(index)]) }
            let queued = transport.writeBufferSize
            XCTAssertGreaterThan(queued, 0)
            transport.abort()
            XCTAssertEqual(transport.writeBufferSize, 0)
            try await waitUntil(loop) { sender.isLost }
            var received = 0
            while case .done = try receiver.tryRecv(into: loop.receiveScratch) { received += 1 }
            XCTAssertEqual(received, 100 - queued / 9, "what was queued (1 + 8 bytes each) never left")
            XCTAssertTrue(sender.errors.isEmpty)
        }
    }
}

/// Reads `count` datagrams from a plain socket, within 10 seconds.
private func receiveDatagrams(_ loop: isolated EventLoop, _ socket: Socket, count: Int) async throws -> [[UInt8]] {
    try await withTimeout(.seconds(10)) {
        var received: [[UInt8]] = []
        while received.count < count {
            received.append(try await loop.sockRecv(socket, 70000))
        }
        return received
    }
}
