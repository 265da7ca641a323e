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
        var log: [String] = []
        loop.callSoon { log.append("a"); loop.stop() }
        loop.callSoon { log.append("b") }
        loop.callSoon {
            log.append("c")
            loop.callSoon { log.append("next iteration") }
        }
        try loop.runForever()
        XCTAssertEqual(log, ["a", "b", "c"])
        loop.callSoon { loop.stop() }
        try loop.runForever()
        XCTAssertEqual(log, ["a", "b", "c", "next iteration"])
        try loop.close()
    }

    // CPython: test_base_events.BaseEventLoopTests.test_run_once_in_executor / stop before run
    func testStopBeforeRunForeverRunsOneIteration() throws {
        let loop = try EventLoop()
        var ran = false
        loop.callSoon { ran = true }
        loop.stop()
        try loop.runForever()
        XCTAssertTrue(ran)
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
