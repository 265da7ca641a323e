@testable import AsyncIO
import Glibc
import XCTest

final class CrossLoopTests: XCTestCase {
    // CPython: test_tasks.RunCoroutineThreadsafeTests.test_run_coroutine_threadsafe, with
    // the caller on another loop of a group: every call runs once, on the target loop's
    // thread, and its result reaches the caller once. Both loops call each other at once.
    func testWorkHandedBetweenLoopsArrivesExactlyOnce() throws {
        let group = try EventLoopGroup(loopCount: 2)
        let perCaller = 2_000
        let ran = Locked([Int: Int]())          // call id -> times its body ran
        let delivered = Locked([Int: Int]())    // call id -> times its result arrived
        let wrongThread = Locked(0)
        try group.run(stopSignals: []) { loop, index in
            let target = group.loops[1 - index]
            let targetThread = try await target.runCoroutineThreadsafe { _ in currentThreadID() }
            let callers = (0..<20).map { batch in
                loop.createTask {
                    for call in 0..<(perCaller / 20) {
                        let id = index * perCaller + batch * (perCaller / 20) + call
                        let answer = try await target.runCoroutineThreadsafe { target in
                            if !target.isOnLoopThread || currentThreadID() != targetThread {
                                wrongThread.withLock { $0 += 1 }
                            }
                            ran.withLock { $0[id, default: 0] += 1 }
                            return id
                        }
                        delivered.withLock { $0[answer, default: 0] += 1 }
                    }
                }
            }
            for caller in callers { try await caller.value }
        }
        let all = Set(0..<(2 * perCaller))
        XCTAssertEqual(Set(ran.current.keys), all)
        XCTAssertEqual(Set(delivered.current.keys), all)
        XCTAssertTrue(ran.current.values.allSatisfy { $0 == 1 })
        XCTAssertTrue(delivered.current.values.allSatisfy { $0 == 1 })
        XCTAssertEqual(wrongThread.current, 0)
    }

    // CPython: test_events.EventLoopTestsMixin.test_call_soon_threadsafe, from another
    // loop: callbacks run once each, in order, before work sent after them.
    func testCallbacksSentToAnotherLoopRunOnceInOrder() throws {
        let group = try EventLoopGroup(loopCount: 2)
        let seen = Locked([Int]())
        let seenAtBarrier = Locked(-1)
        try group.run(stopSignals: []) { _, index in
            guard index == 0 else { return }
            let target = group.loops[1]
            for value in 0..<1_000 {
                target.callSoonThreadsafe {
                    precondition(target.isOnLoopThread)
                    seen.withLock { $0.append(value) }
                }
            }
            let count = try await target.runCoroutineThreadsafe { _ in seen.current.count }
            seenAtBarrier.withLock { $0 = count }
        }
        XCTAssertEqual(seen.current, Array(0..<1_000))
        XCTAssertEqual(seenAtBarrier.current, 1_000)
    }

    // Handing a connection over: loop 0 accepts it and reads a routing header with
    // sock*, detaches the socket and sends the descriptor to loop 1, which wraps it in a
    // transport with connectAcceptedSocket (asyncio's connect_accepted_socket). The
    // client sent everything at once, so the bytes behind the header were waiting in the
    // kernel during the handover: every one of them must come back, served by loop 1.
    func testHandingAConnectionToAnotherLoopKeepsEveryByte() throws {
        let group = try EventLoopGroup(loopCount: 2)
        let header = Array("route 1\n".utf8)
        let payload = digitPattern(300_000, from: 7)
        let echoThreads = Locked(Set<UInt>())
        let loopOneThread = Locked<UInt>(0)
        try group.run(stopSignals: []) { loop in
            let listener = try Socket()
            defer { listener.close() }
            try listener.bind(try SocketAddress(ipv4: "127.0.0.1", port: 0))
            try listener.listen(backlog: 4)
            let address = try listener.localAddress
            let client = loop.createTask { () -> [UInt8] in
                let socket = try await rawClient(loop, to: address)
                defer { socket.close() }
                try await rawSendAll(loop, socket, header + payload)
                return try await rawRead(loop, socket, atLeast: payload.count).bytes
            }
            let (connection, _) = try await loop.sockAccept(listener)
            var received: [UInt8] = []
            while received.count < header.count {
                // Never more than the header: what follows stays in the kernel.
                let chunk = try await loop.sockRecv(connection, header.count - received.count)
                guard !chunk.isEmpty else { throw OSError(errno: ECONNRESET, message: "client left") }
                received += chunk
            }
            XCTAssertEqual(received, header)
            let descriptor = connection.detach()
            XCTAssertTrue(connection.isClosed)
            let thread = try await group.loops[1].runCoroutineThreadsafe { worker in
                let socket = try Socket(adopting: descriptor)
                _ = try await worker.connectAcceptedSocket({
                    CountingEchoProtocol { _ in echoThreads.withLock { _ = $0.insert(currentThreadID()) } }
                }, sock: socket)
                return currentThreadID()
            }
            loopOneThread.withLock { $0 = thread }
            let echoed = try await client.value
            XCTAssertEqual(echoed.count, payload.count)
            XCTAssertTrue(echoed == payload, "the handed-over connection lost or changed bytes")
        }
        XCTAssertEqual(echoThreads.current, [loopOneThread.current], "loop 1 served the connection")
    }
}
