@testable import AsyncIO
import Glibc
import XCTest

final class EventLoopGroupTests: XCTestCase {
    func testEveryMainRunsOnItsOwnLoopAndThreadAndTheGroupLeavesNothing() throws {
        // A first group starts what a process starts once (libuv's thread pool, its
        // /dev/null reserve), so the second one is measured against a settled baseline.
        try EventLoopGroup(loopCount: 2).run(stopSignals: []) { loop, _ in
            _ = try await loop.getAddrInfo(host: "localhost", port: 80)
        }
        let threadsBefore = threadCount()
        let descriptorsBefore = allDescriptorCount()
        let group = try EventLoopGroup(loopCount: 3)
        let ran = Locked([Int: (thread: UInt, onLoop: Bool)]())
        try group.run { loop, index in
            XCTAssertTrue(loop === group.loops[index])
            // Each loop serves a connection of its own, so it has made real handles.
            let server = try await loop.createServer({ TestEchoProtocol() }, host: "127.0.0.1", port: 0)
            let port = try XCTUnwrap(server.sockets.first?.localAddress.port)
            let echoed = try await echoRoundTrip(loop, port: port, digitPattern(1000, from: index))
            XCTAssertEqual(echoed, digitPattern(1000, from: index))
            server.close()
            try await server.waitClosed()
            ran.withLock { $0[index] = (currentThreadID(), loop.isOnLoopThread) }
        }
        let runs = ran.current
        XCTAssertEqual(runs.keys.sorted(), [0, 1, 2])
        XCTAssertEqual(Set(runs.values.map(\.thread)).count, 3, "each loop has a thread of its own")
        XCTAssertEqual(runs[0]?.thread, currentThreadID(), "loop 0 runs on the caller's thread")
        XCTAssertTrue(runs.values.allSatisfy(\.onLoop))
        XCTAssertTrue(group.loops.allSatisfy(\.isClosed))
        XCTAssertEqual(threadCount(), threadsBefore, "every loop thread was joined")
        XCTAssertEqual(allDescriptorCount(), descriptorsBefore, "every loop's descriptors were closed")
    }

    func testAMainThatReturnsKeepsItsLoopServingTheOthers() throws {
        let group = try EventLoopGroup(loopCount: 2)
        let answers = Locked([Int]())
        try group.run(stopSignals: []) { loop, index in
            guard index == 0 else { return }  // loop 1 is a worker from here on
            try await loop.sleep(.milliseconds(20))
            for value in 0..<5 {
                let doubled = try await group.loops[1].runCoroutineThreadsafe { worker in
                    precondition(worker.isOnLoopThread)
                    return value * 2
                }
                answers.withLock { $0.append(doubled) }
            }
        }
        XCTAssertEqual(answers.current, [0, 2, 4, 6, 8])
    }

    func testStopCancelsTheMainsAndRunReturnsNormally() throws {
        let group = try EventLoopGroup(loopCount: 2)
        let cancelled = Locked(0)
        try group.run(stopSignals: []) { loop, index in
            if index == 1 { group.stop() }
            do {
                try await loop.sleep(.seconds(60))
            } catch is CancellationError {
                cancelled.withLock { $0 += 1 }
                throw CancellationError()
            }
        }
        XCTAssertEqual(cancelled.current, 2)
    }

    func testAMainThatThrowsCancelsTheOthersAndRunThrowsItsError() throws {
        struct Boom: Error, Equatable {}
        let group = try EventLoopGroup(loopCount: 3)
        let cancelled = Locked(0)
        XCTAssertThrowsError(try group.run(stopSignals: []) { loop, index in
            if index == 2 {
                try await loop.sleep(.milliseconds(10))
                throw Boom()
            }
            do {
                try await loop.sleep(.seconds(60))
            } catch is CancellationError {
                cancelled.withLock { $0 += 1 }
            }
        }) { error in
            XCTAssertEqual(error as? Boom, Boom())
        }
        XCTAssertEqual(cancelled.current, 2)
    }

    // asyncio.run's _cancel_all_tasks, per loop: tasks a main left are cancelled and
    // awaited before the loops close.
    func testTasksLeftByAMainAreCancelledBeforeTheLoopsClose() throws {
        let group = try EventLoopGroup(loopCount: 2)
        let cleanedUp = Locked(0)
        try group.run(stopSignals: []) { loop, _ in
            loop.createTask {
                do {
                    try await loop.sleep(.seconds(60))
                } catch {
                    cleanedUp.withLock { $0 += 1 }
                }
            }
        }
        XCTAssertEqual(cleanedUp.current, 2)
    }

    func testARunIsOnceAndNotFromALoop() throws {
        let group = try EventLoopGroup(loopCount: 1)
        try group.run(stopSignals: []) { _, _ in }
        XCTAssertThrowsError(try group.run(stopSignals: []) { _, _ in }) { error in
            XCTAssertEqual(error as? EventLoopGroupError, .alreadyRan)
        }
        XCTAssertThrowsError(try EventLoopGroup(loopCount: 0)) { error in
            XCTAssertEqual((error as? InvalidArgumentError)?.message, "an EventLoopGroup needs at least 1 loop, got 0")
        }
        runLoopTest { _, _ in
            let inner = try EventLoopGroup(loopCount: 1)
            XCTAssertThrowsError(try inner.run(stopSignals: []) { _, _ in }) { error in
                XCTAssertEqual(error as? EventLoopError, .anotherLoopRunning)
            }
            for loop in inner.loops { try loop.close() }
        }
    }

    func testNextGoesRoundRobinAndTheDefaultSizeIsTheUsableCPUs() throws {
        let group = try EventLoopGroup(loopCount: 3)
        let picked = (0..<6).map { _ in group.next() }
        XCTAssertTrue(zip(picked, group.loops + group.loops).allSatisfy { $0 === $1 })
        XCTAssertGreaterThanOrEqual(EventLoopGroup.defaultLoopCount, 1)
        try group.run(stopSignals: []) { _, _ in }
    }
}
