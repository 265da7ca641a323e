@testable import AsyncIO
import Glibc
import XCTest

/// Large transfers and cancellation of pending operations.
final class SockRacingTests: XCTestCase {
    // CPython: test_sock_lowlevel.BaseSockTestsMixin.test_huge_content
    // One task sends 1,000,000 bytes with sockSendAll while this one reads them back
    // through an echo server; the sender blocks on a full socket buffer many times.
    func testHugeContentWithSockRecv() throws {
        for host in Loopback.allCases {
            try requireHost(host)
            runLoopTest { loop, _ in try await hugeContent(loop, host, recvInto: false) }
        }
    }

    // CPython: test_sock_lowlevel.BaseSockTestsMixin.test_huge_content_recvinto
    func testHugeContentWithSockRecvInto() throws {
        for host in Loopback.allCases {
            try requireHost(host)
            runLoopTest { loop, _ in try await hugeContent(loop, host, recvInto: true) }
        }
    }

    // CPython: test_sock_lowlevel.BaseSockTestsMixin.test_sock_client_racing
    // (_basetest_sock_recv_racing)
    func testCancelledSockRecvLeavesNoRegistration() throws {
        for host in Loopback.allCases {
            try requireHost(host)
            runLoopTest { loop, _ in
                let (client, server) = try await connectedPair(loop, host)
                let pending = loop.createTask { try await loop.sockRecv(client, 1024) }
                try await loop.sleep(.zero)
                XCTAssertTrue(loop.pollRegistry.watchers[client.fileno]?.hasReader ?? false)
                pending.cancel()
                do {
                    _ = try await pending.value
                    XCTFail("a cancelled sockRecv returned")
                } catch is CancellationError {}
                XCTAssertFalse(hasRegistration(loop, client.fileno))

                let message = Array("GET / HTTP/1.0\r\n\r\n".utf8)
                loop.createTask { try await loop.sockSendAll(server, message) }
                let data = try await withTimeout(.seconds(10)) { try await loop.sockRecv(client, 1024) }
                XCTAssertEqual(data, message)
                client.close()
                server.close()
            }
        }
    }

    // CPython: test_sock_lowlevel.BaseSockTestsMixin.test_sock_client_racing
    // (_basetest_sock_recv_into_racing)
    func testCancelledSockRecvIntoLeavesNoRegistration() {
        runLoopTest { loop, _ in
            let (client, server) = try await connectedPair(loop, .ipv4)
            let buffer = RawBuffer(count: 1024)
            let pending = loop.createTask { try await loop.sockRecvInto(client, buffer.memory) }
            try await loop.sleep(.zero)
            pending.cancel()
            do {
                _ = try await pending.value
                XCTFail("a cancelled sockRecvInto returned")
            } catch is CancellationError {}
            XCTAssertFalse(hasRegistration(loop, client.fileno))

            let message = Array("GET / HTTP/1.0\r\n\r\n".utf8)
            let sending = loop.createTask { try await loop.sockSendAll(server, message) }
            let count = try await withTimeout(.seconds(10)) { try await loop.sockRecvInto(client, buffer.memory) }
            XCTAssertEqual(buffer.bytes(0..<count), message)
            try await sending.value
            client.close()
            server.close()
        }
    }

    // CPython: test_sock_lowlevel.BaseSockTestsMixin.test_sock_client_racing
    // (_basetest_sock_send_racing)
    func testCancelledBlockedSockSendAllLeavesNoRegistration() {
        runLoopTest { loop, _ in
            let listener = try makeListener(.ipv4)
            let client = try Socket()
            try client.setOption(level: SOL_SOCKET, name: SO_SNDBUF, value: 1024)
            try await loop.sockConnect(client, to: listener.localAddress)
            let (server, _) = try await loop.sockAccept(listener)
            listener.close()

            // Fill the buffers until even 4 more bytes would block.
            var size = 8192
            var filled = 0
            while size >= 4 {
                let block = [UInt8](repeating: UInt8(ascii: " "), count: size)
                var rounds = 0
                while rounds < 100_000, case .done(let sent) = try block.withUnsafeBytes({ try client.trySend($0) }) {
                    filled += sent
                    rounds += 1
                }
                size /= 2
            }
            XCTAssertGreaterThan(filled, 0)

            let blocked = loop.createTask { try await loop.sockSendAll(client, Array("hello".utf8)) }
            try await loop.sleep(.zero)
            XCTAssertTrue(loop.pollRegistry.watchers[client.fileno]?.hasWriter ?? false)
            blocked.cancel()
            do {
                try await blocked.value
                XCTFail("a cancelled sockSendAll finished")
            } catch is CancellationError {}
            XCTAssertFalse(hasRegistration(loop, client.fileno))

            let reader = loop.createTask { try await receiveAll(loop, server) }
            try await withTimeout(.seconds(10)) {
                try await loop.sockSendAll(client, Array("world".utf8))
            }
            try client.shutdown(Int32(SHUT_WR))
            let data = try await withTimeout(.seconds(10)) { try await reader.value }
            let text = data.filter { $0 != UInt8(ascii: " ") }
            XCTAssertEqual(String(decoding: text, as: UTF8.self), "world")
            client.close()
            server.close()
        }
    }

    // CPython: test_sock_lowlevel.BaseSockTestsMixin.test_cancel_sock_accept
    func testCancelledSockAcceptLeavesNoRegistration() {
        runLoopTest { loop, _ in
            let listener = try makeListener(.ipv4)
            let address = try listener.localAddress
            do {
                _ = try await withTimeout(.milliseconds(100)) { try await loop.sockAccept(listener) }
                XCTFail("accepted without a client")
            } catch is TimeoutError {}
            XCTAssertFalse(hasRegistration(loop, listener.fileno))

            // The listener still works after the cancelled accept.
            let client = try Socket()
            let connecting = loop.createTask { try await loop.sockConnect(client, to: address) }
            let (conn, peer) = try await withTimeout(.seconds(10)) { try await loop.sockAccept(listener) }
            try await connecting.value
            XCTAssertEqual(peer, try client.localAddress)
            conn.close()
            client.close()

            // Once the listener is closed, connecting is refused.
            listener.close()
            let late = try Socket()
            defer { late.close() }
            do {
                try await loop.sockConnect(late, to: address)
                XCTFail("connected to a closed listener")
            } catch let error as OSError {
                XCTAssertEqual(error.errno, ECONNREFUSED)
            }
        }
    }

    // CPython: test_sock_lowlevel.BaseSockTestsMixin.test_sock_client_connect_racing
    // A listener with a full accept queue drops SYNs, so a connect stays pending; it is
    // cancelled, and its registration goes with it.
    func testCancelledSockConnectLeavesNoRegistration() {
        runLoopTest { loop, _ in
            let listener = try makeListener(.ipv4, backlog: 0)
            guard let (sock, queued) = try await cancelPendingConnect(loop, listener) else { return }
            XCTAssertFalse(hasRegistration(loop, sock.fileno))
            for other in queued + [sock, listener] { other.close() }
        }
    }

    // CPython: selector_events._sock_connect (BlockingIOError, EALREADY included → wait
    // for writability). Connecting again while the cancelled connect is still in
    // progress waits for it and completes, instead of failing with EALREADY.
    func testSockConnectAfterACancelledConnectWaitsForIt() {
        runLoopTest { loop, _ in
            let listener = try makeListener(.ipv4, backlog: 0)
            let address = try listener.localAddress
            guard let (sock, queued) = try await cancelPendingConnect(loop, listener) else { return }
            // The queue is still full, so the kernel is still retrying the first SYN:
            // connect(2) says EALREADY now.
            let again = loop.createTask { try await loop.sockConnect(sock, to: address) }
            try await loop.sleep(.milliseconds(20))
            XCTAssertTrue(hasRegistration(loop, sock.fileno), "the second sockConnect does not wait")
            // Make room; the kernel's SYN retry then completes the connection.
            for _ in queued { try await loop.sockAccept(listener).0.close() }
            try await withTimeout(.seconds(10)) { try await again.value }
            XCTAssertFalse(hasRegistration(loop, sock.fileno))
            let (conn, peer) = try await withTimeout(.seconds(10)) { try await loop.sockAccept(listener) }
            XCTAssertEqual(peer, try sock.localAddress)
            try await loop.sockSendAll(sock, [1, 2, 3])
            let received = try await withTimeout(.seconds(10)) { try await loop.sockRecv(conn, 16) }
            XCTAssertEqual(received, [1, 2, 3])
            conn.close()
            for other in queued + [sock, listener] { other.close() }
        }
    }

    // Better than asyncio, which leaves the operation waiting on a closed descriptor.
    func testClosingTheSocketFailsThePendingOperation() {
        runLoopTest { loop, _ in
            let (client, server) = try await connectedPair(loop, .ipv4)
            let pending = loop.createTask { try await loop.sockRecv(client, 1024) }
            try await loop.sleep(.zero)
            client.close()
            do {
                _ = try await pending.value
                XCTFail("sockRecv returned from a closed socket")
            } catch let error as OSError {
                XCTAssertEqual(error.errno, EBADF)
            }
            XCTAssertNil(loop.pollRegistry.watchers[client.fileno])
            server.close()
        }
    }

    func testSecondConcurrentRecvReplacesTheFirst() {
        runLoopTest { loop, _ in
            let (client, server) = try await connectedPair(loop, .ipv4)
            let first = loop.createTask { try await loop.sockRecv(client, 1024) }
            try await loop.sleep(.zero)
            let second = loop.createTask { try await loop.sockRecv(client, 1024) }
            try await loop.sleep(.zero)
            do {
                _ = try await first.value
                XCTFail("the replaced sockRecv returned")
            } catch let error as SocketUsageError {
                XCTAssertEqual(error, .replacedByAnotherOperation(fd: client.fileno))
            }
            try await loop.sockSendAll(server, [1, 2, 3])
            let data = try await withTimeout(.seconds(10)) { try await second.value }
            XCTAssertEqual(data, [1, 2, 3])
            client.close()
            server.close()
        }
    }

    // The poll handle of a finished read stays polling for reads (an echo loop that waits
    // again at once reuses it with no epoll_ctl); data that arrives while nobody waits
    // narrows it to nothing; closing the socket closes it: no handle outlives the socket.
    func testIdlePollHandleNarrowsOnAnUnwantedEventAndClosesWithItsSocket() {
        runLoopTest { loop, _ in
            let (client, server) = try await connectedPair(loop, .ipv4)
            let pending = loop.createTask { try await loop.sockRecv(client, 1024) }
            try await loop.sleep(.zero)
            let watcher = try XCTUnwrap(loop.pollRegistry.watchers[client.fileno])
            XCTAssertTrue(watcher.isPolling)
            try await loop.sockSendAll(server, [7])
            let received = try await pending.value
            XCTAssertEqual(received, [7])
            XCTAssertTrue(watcher.isPolling, "the read interest is kept after the read")
            // Data nobody waits for: the next event finds no reader and stops the poll.
            try await loop.sockSendAll(server, [8])
            for _ in 0..<100 where watcher.isPolling { try await loop.sleep(.milliseconds(1)) }
            XCTAssertFalse(watcher.isPolling)
            XCTAssertFalse(watcher.isClosed)
            // The data is still there for the next sockRecv, which polls again if needed.
            let next = try await withTimeout(.seconds(10)) { try await loop.sockRecv(client, 1024) }
            XCTAssertEqual(next, [8])
            client.close()
            XCTAssertNil(loop.pollRegistry.watchers[client.fileno])
            XCTAssertTrue(watcher.isClosed)
            server.close()
            try await loop.sleep(.zero)
            XCTAssertEqual(loop.liveHandleLabels(), [])
        }
    }
}

/// The body of the huge-content tests: 1,000,000 bytes out and back through an echo.
private func hugeContent(_ loop: isolated EventLoop, _ host: Loopback, recvInto: Bool) async throws {
    let size = 1_000_000
    let payload = digitPattern(size)
    let (client, server) = try await connectedPair(loop, host)
    let echo = loop.createTask {
        defer { server.close() }
        while true {
            let data = try await loop.sockRecv(server, 65536)
            if data.isEmpty { return }
            try await loop.sockSendAll(server, data)
        }
    }
    let sender = loop.createTask {
        try await loop.sockSendAll(client, payload)
        try client.shutdown(Int32(SHUT_WR))
    }
    let received = try await withTimeout(.seconds(20)) {
        if !recvInto { return try await receiveAll(loop, client) }
        let buffer = RawBuffer(count: size)
        var received: [UInt8] = []
        while received.count <= size {
            let count = try await loop.sockRecvInto(client, buffer.memory)
            if count == 0 { break }
            received += buffer.bytes(0..<count)
        }
        return received
    }
    try await sender.value
    try await echo.value
    XCTAssertEqual(received.count, size)
    XCTAssertTrue(received == payload, "the echoed bytes differ from what was sent")
    XCTAssertFalse(hasRegistration(loop, client.fileno))
    client.close()
}

/// Fills `listener`'s accept queue (a backlog of 0: Linux keeps one connection), starts
/// one more `sockConnect`, whose SYN the kernel drops, and cancels it while it waits.
/// Returns that socket and the queued ones, or nil (after failing the test) if no
/// connect stayed pending.
private func cancelPendingConnect(
    _ loop: isolated EventLoop, _ listener: Socket
) async throws -> (pending: Socket, queued: [Socket])? {
    let address = try listener.localAddress
    var queued: [Socket] = []
    for _ in 0..<8 {
        let sock = try Socket()
        let task = loop.createTask { try await loop.sockConnect(sock, to: address) }
        try await loop.sleep(.milliseconds(20))
        if !hasRegistration(loop, sock.fileno) {
            try await task.value
            queued.append(sock)
            continue
        }
        task.cancel()
        do {
            try await task.value
            XCTFail("a cancelled sockConnect finished")
        } catch is CancellationError {}
        return (sock, queued)
    }
    XCTFail("no connect stayed pending against a full accept queue")
    for sock in queued { sock.close() }
    return nil
}
