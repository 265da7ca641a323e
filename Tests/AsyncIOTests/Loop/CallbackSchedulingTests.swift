@testable import AsyncIO
import XCTest

final class CallbackSchedulingTests: XCTestCase {
    // CPython: test_base_events.BaseEventLoopTests.test_call_soon / test__run_once
    func testCallSoonRunsInFIFOOrder() {
        runLoopTest { loop, _ in
            var order: [Int] = []
            let done = loop.createFuture(of: Void.self)
            for i in 0..<100 { loop.callSoon { order.append(i) } }
            loop.callSoon { try done.setResult(()) }
            try await done.value
            XCTAssertEqual(order, Array(0..<100))
        }
    }

    // CPython: test_base_events.BaseEventLoopTests.test__run_once_schedule_handle
    // (callbacks added while the ready queue drains wait for the next iteration)
    func testCallbacksScheduledDuringDrainRunNextIteration() {
        runLoopTest { loop, _ in
            var log: [String] = []
            let done = loop.createFuture(of: Void.self)
            loop.callSoon {
                log.append("a")
                loop.callSoon { log.append("c"); try done.setResult(()) }
            }
            loop.callSoon { log.append("b") }
            try await done.value
            XCTAssertEqual(log, ["a", "b", "c"])
        }
    }

    // CPython: test_base_events.BaseEventLoopTests.test_call_later / test_call_at
    func testCallLaterFiresInTimeOrderThenSchedulingOrder() {
        runLoopTest { loop, _ in
            var order: [String] = []
            let done = loop.createFuture(of: Void.self)
            loop.callLater(.milliseconds(30)) { order.append("30ms"); try done.setResult(()) }
            loop.callLater(.milliseconds(10)) { order.append("10ms") }
            let when = loop.time() + 0.02
            for i in 0..<5 { loop.callAt(when) { order.append("20ms#\(i)") } }
            loop.callLater(.zero) { order.append("0ms") }
            let start = loop.time()
            try await done.value
            XCTAssertEqual(order, ["0ms", "10ms", "20ms#0", "20ms#1", "20ms#2", "20ms#3", "20ms#4", "30ms"])
            XCTAssertGreaterThanOrEqual(loop.time() - start, 0.03)
        }
    }

    // CPython: test_events.HandleTests.test_cancel / test_base_events test__run_once (cancelled timer)
    func testCancelledHandlesNeverRun() {
        runLoopTest { loop, _ in
            var ran: [String] = []
            let soon = loop.callSoon { ran.append("soon") }
            let later = loop.callLater(.milliseconds(1)) { ran.append("later") }
            soon.cancel()
            later.cancel()
            XCTAssertTrue(soon.isCancelled)
            XCTAssertTrue(later.isCancelled)
            try await loop.sleep(.milliseconds(20))
            XCTAssertEqual(ran, [])
        }
    }

    func testManyCancelledTimersArePurged() {
        runLoopTest { loop, _ in
            var fired = 0
            for _ in 0..<1000 {
                loop.callLater(.seconds(3600)) { fired += 1 }.cancel()
            }
            loop.callLater(.milliseconds(1)) { fired += 1 }
            try await loop.sleep(.milliseconds(10))
            XCTAssertEqual(fired, 1)
        }
    }

    // CPython: test_base_events.BaseEventLoopTests.test_run_forever_keyboard_interrupt's
    // sibling test_events.EventLoopTestsMixin.test_run_until_complete_stopped / test_call_soon
    // (stop() lets the current iteration finish; callbacks after it wait for the next run)
    func testStopLetsTheCurrentIterationFinish() throws {
        let loop = try EventLoop()
        let log = Box<[String]>([])
        // The thread that owns a loop that is not running may use it as the loop's code.
        loop.assumeIsolated { loop in
            loop.callSoon { log.value.append("a"); loop.stop() }
            loop.callSoon { log.value.append("b") }
            loop.callSoon {
                log.value.append("c")
                loop.callSoon { log.value.append("next iteration") }
            }
        }
        try loop.runForever()
        XCTAssertEqual(log.value, ["a", "b", "c"])
        loop.assumeIsolated { loop in _ = loop.callSoon { loop.stop() } }
        try loop.runForever()
        XCTAssertEqual(log.value, ["a", "b", "c", "next iteration"])
        try loop.close()
    }

    // CPython: test_base_events.BaseEventLoopTests.test_run_once_in_executor / stop before run
    func testStopBeforeRunForeverRunsOneIteration() throws {
        let loop = try EventLoop()
        let ran = Box(false)
        loop.assumeIsolated { loop in _ = loop.callSoon { ran.value = true } }
        loop.stop()
        try loop.runForever()
        XCTAssertTrue(ran.value)
        try loop.close()
    }

    // CPython: test_base_events.BaseEventLoopTests.test_run_forever_pre_stopped (the
    // selector is polled with timeout 0): with nothing ready, a pre-stopped runForever()
    // runs one iteration without blocking, even when a far-future timer and an idle
    // listening socket keep libuv's loop alive.
    func testPreStoppedRunForeverDoesNotBlock() throws {
        let loop = try EventLoop()
        let listener = try Socket(family: AF_INET)
        try listener.bind(SocketAddress(host: "127.0.0.1", port: 0))
        try listener.listen(backlog: 8)
        var accepted = false
        try loop.addReader(listener.fileno) { accepted = true }
        var fired = false
        let far = loop.scheduleLater(.seconds(3600)) { fired = true }
        let returned = ReturnWatch(loop: loop)
        loop.stop()
        try loop.runForever()
        XCTAssertFalse(returned.neededAWakeUp(), "runForever() blocked in poll although stop() was called")
        XCTAssertFalse(accepted)
        XCTAssertFalse(fired)
        // Again, now that the loop has run once: stop() before runForever() still polls once.
        let again = ReturnWatch(loop: loop)
        loop.stop()
        try loop.runForever()
        XCTAssertFalse(again.neededAWakeUp())
        far.cancel()
        try loop.removeReader(listener.fileno)
        listener.close()
        try loop.close()
    }

    // CPython: test_base_events.BaseEventLoopTests.test_run_until_complete_baseexception and
    // base_events.run_until_complete (the stop callback is removed in `finally`): a run that
    // finished, or one that was stopped early, never stops a later run.
    func testAnEarlierRunUntilCompleteNeverStopsALaterOne() throws {
        let loop = try EventLoop()
        XCTAssertEqual(try loop.runUntilComplete { _ in 1 }, 1)
        try loop.runUntilComplete { loop in try await loop.sleep(.milliseconds(300)) }
        // Run A is stopped before its task finishes; the task finishes during run B.
        XCTAssertThrowsError(try loop.runUntilComplete { loop -> Int in
            loop.stop()
            try await loop.sleep(.milliseconds(50))
            return 1
        }) { XCTAssertEqual($0 as? EventLoopError, .stoppedBeforeCompletion) }
        let b = try loop.runUntilComplete { loop -> String in
            try await loop.sleep(.milliseconds(300))
            return "b"
        }
        XCTAssertEqual(b, "b")
        loop.cancelLeftoverTasks()
        try loop.close()
    }

    // CPython: test_base_events.BaseEventLoopTests.test_time_and_call_at
    func testTimeIsMonotonicSeconds() {
        runLoopTest { loop, _ in
            let before = loop.time()
            try await loop.sleep(.milliseconds(50))
            let elapsed = loop.time() - before
            XCTAssertGreaterThanOrEqual(elapsed, 0.05)
            XCTAssertLessThan(elapsed, 30)
        }
    }
}

/// Tells whether a `runForever()` that should have returned by itself needed another
/// thread's wake-up: a watcher thread gives the loop 10 seconds, then pokes it with
/// `callSoonThreadsafe` so a broken loop fails the test instead of hanging it.
/// Shared with the watcher thread: its state is semaphores and a `Locked` value.
private final class ReturnWatch: @unchecked Sendable {
    private let finished = DispatchSemaphore(value: 0)
    private let poked = Locked(false)
    private let watcherDone = DispatchSemaphore(value: 0)

    /// Start it just before the run that may block.
    init(loop: EventLoop) {
        let thread = Thread { [finished, poked, watcherDone] in
            if finished.wait(timeout: .now() + 10) == .timedOut {
                poked.withLock { $0 = true }
                loop.callSoonThreadsafe {}
            }
            watcherDone.signal()
        }
        thread.start()
    }

    /// Call after the run returned.
    func neededAWakeUp() -> Bool {
        finished.signal()
        watcherDone.wait()
        return poked.current
    }
}
