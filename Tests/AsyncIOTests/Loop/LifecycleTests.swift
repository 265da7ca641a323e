@testable import AsyncIO
import XCTest

final class LifecycleTests: XCTestCase {
    func testCloseLeavesNoLiveHandle() throws {
        let loop = try EventLoop()
        try loop.addSignalHandler(SIGUSR2) {}
        loop.assumeIsolated { loop in _ = loop.callLater(.seconds(60)) {} }
        XCTAssertEqual(loop.liveHandleLabels(), ["signal handler \(SIGUSR2)"])
        try loop.close()
        XCTAssertTrue(loop.isClosed)
        try loop.close()  // idempotent, as in asyncio
    }

    // Work handed over from another thread after close() is dropped: nothing runs, and the
    // closed wake-up handle (whose descriptor the process may have reused) is not poked.
    func testThreadsafeCallsAfterCloseAreDropped() throws {
        let loop = try EventLoop()
        try loop.close()
        let ran = Locked(false)
        let done = DispatchSemaphore(value: 0)
        let thread = Thread {
            for _ in 0..<100 { loop.callSoonThreadsafe { ran.withLock { $0 = true } } }
            done.signal()
        }
        thread.start()
        XCTAssertEqual(done.wait(timeout: .now() + 10), .success)
        XCTAssertFalse(ran.current)
        XCTAssertThrowsError(try loop.runForever()) { XCTAssertEqual($0 as? EventLoopError, .closed) }
    }

    // close() drops what is still queued (asyncio's close clears `_ready`): a callback
    // queued on the loop's thread and one another thread handed over (still in the inbox,
    // the loop never ran) are both released by close, and neither runs, then or later.
    // CPython: none tests `_ready.clear()` in BaseEventLoop.close directly; test_close
    // checks the closed loop refuses to run.
    func testCloseDropsQueuedAndHandedOverWorkWithoutRunningIt() throws {
        final class Token: Sendable {}
        let loop = try EventLoop()
        let ran = Locked(0)
        weak var queuedHere: Token?
        weak var handedOver: Token?
        do {
            let here = Token()
            queuedHere = here
            loop.assumeIsolated { loop in _ = loop.callSoon { withExtendedLifetime(here) { ran.withLock { $0 += 1 } } } }
            // The other thread takes the token out of the parcel, so that once it signals
            // only the callback it handed over holds the token (the Thread object keeps
            // its closure, and with it whatever the closure captured, until it exits).
            let parcel = Locked<Token?>(Token())
            handedOver = parcel.current
            let done = DispatchSemaphore(value: 0)
            let thread = Thread {
                do {
                    let there = parcel.withLock { token in
                        defer { token = nil }
                        return token
                    }
                    loop.callSoonThreadsafe { withExtendedLifetime(there) { ran.withLock { $0 += 1 } } }
                }
                done.signal()
            }
            thread.start()
            XCTAssertEqual(done.wait(timeout: .now() + 10), .success)
        }
        XCTAssertNotNil(queuedHere)
        XCTAssertNotNil(handedOver)
        try loop.close()
        XCTAssertNil(queuedHere, "close() keeps a callback queued on the loop's thread")
        XCTAssertNil(handedOver, "close() keeps a callback another thread handed over")
        XCTAssertEqual(ran.current, 0)
        XCTAssertThrowsError(try loop.runForever()) { XCTAssertEqual($0 as? EventLoopError, .closed) }
        XCTAssertEqual(ran.current, 0)
    }

    // CPython: test_base_events.BaseEventLoopTests.test_run_forever_closed / test_check_closed
    func testUsingAClosedLoopFails() throws {
        let loop = try EventLoop()
        try loop.close()
        XCTAssertThrowsError(try loop.runForever()) { XCTAssertEqual($0 as? EventLoopError, .closed) }
        XCTAssertThrowsError(try loop.runUntilComplete { _ in 1 }) { XCTAssertEqual($0 as? EventLoopError, .closed) }
        XCTAssertEqual("\(EventLoopError.closed)", "Event loop is closed")
    }

    // CPython: test_base_events.BaseEventLoopTests.test_run_until_complete_loop_orphan /
    // test_events.test_run_forever_nested
    func testRunningInsideARunningLoopFails() {
        runLoopTest { loop, _ in
            XCTAssertThrowsError(try loop.runForever()) { XCTAssertEqual($0 as? EventLoopError, .alreadyRunning) }
            let other = try EventLoop()
            XCTAssertThrowsError(try other.runForever()) { XCTAssertEqual($0 as? EventLoopError, .anotherLoopRunning) }
            XCTAssertThrowsError(try loop.close()) { XCTAssertEqual($0 as? EventLoopError, .closeWhileRunning) }
            try other.close()
        }
    }

    // CPython: test_runners.RunTests.test_asyncio_run_return / test_asyncio_run_raises
    func testRunReturnsTheResultAndClosesTheLoop() throws {
        let seen = Box<EventLoop?>(nil)
        let value = try EventLoop.run { loop in
            seen.value = loop
            try await loop.sleep(.milliseconds(1))
            return 42
        }
        XCTAssertEqual(value, 42)
        XCTAssertTrue(seen.value?.isClosed ?? false)

        struct Boom: Error {}
        XCTAssertThrowsError(try EventLoop.run { _ -> Int in throw Boom() }) { XCTAssertTrue($0 is Boom) }
    }

    // CPython: test_runners.RunTests.test_asyncio_run_cancels_hanging_tasks
    func testRunCancelsLeftoverTasks() throws {
        let cancelled = Locked(false)
        try EventLoop.run { loop in
            loop.createTask {
                do {
                    try await loop.sleep(.seconds(3600))
                } catch is CancellationError {
                    cancelled.withLock { $0 = true }
                }
            }
            try await loop.sleep(.milliseconds(1))
        }
        XCTAssertTrue(cancelled.current)
    }

    // CPython: test_base_events.BaseEventLoopTests.test_run_until_complete_baseexception
    func testRunUntilCompleteStoppedEarly() throws {
        let loop = try EventLoop()
        XCTAssertThrowsError(try loop.runUntilComplete { loop -> Int in
            loop.stop()
            try await loop.sleep(.seconds(3600))
            return 1
        }) { XCTAssertEqual($0 as? EventLoopError, .stoppedBeforeCompletion) }
        loop.cancelLeftoverTasks()
        try loop.close()
    }
}
