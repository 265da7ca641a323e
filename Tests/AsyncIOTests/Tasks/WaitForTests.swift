@testable import AsyncIO
import XCTest

/// CPython 3.13's test_waitfor.py, on `loop.waitFor(_:timeout:)` and
/// `loop.waitFor(timeout:_:)`.
final class WaitForTests: XCTestCase {
    // test_waitfor.py AsyncioWaitForTest.test_asyncio_wait_for_cancelled
    func testWaitForCancelledWhileWaiting() {
        runLoopTest { loop, _ in
            let exited = Box(false)
            let waiting = loop.createTask {
                try await loop.waitFor(timeout: .seconds(20)) { try await slowBody(loop, exited: exited) }
            }
            try await loop.sleep(.zero)
            waiting.cancel()
            await assertEndsCancelled(waiting)
            XCTAssertTrue(exited.value)
        }
    }

    // test_waitfor.py AsyncioWaitForTest.test_asyncio_wait_for_timeout
    func testWaitForTimeout() {
        runLoopTest { loop, _ in
            let exited = Box(false)
            await assertThrowsAsync(TimeoutError.self) {
                try await loop.waitFor(timeout: .milliseconds(10)) { try await slowBody(loop, exited: exited) }
            }
            XCTAssertTrue(exited.value)
        }
    }

    // test_waitfor.py AsyncioWaitForTest.test_wait_for_timeout_less_then_0_or_0_future_done
    func testZeroTimeoutOnAFinishedTask() {
        runLoopTest { loop, _ in
            let task = loop.createTask { "done" }
            _ = await task.result
            let value = try await loop.waitFor(task, timeout: .zero)
            XCTAssertEqual(value, "done")
        }
    }

    // test_waitfor.py AsyncioWaitForTest.test_wait_for_timeout_less_then_0_or_0_coroutine_do_not_started
    func testZeroTimeoutDoesNotStartTheBody() {
        runLoopTest { loop, _ in
            let started = Box(false)
            await assertThrowsAsync(TimeoutError.self) {
                try await loop.waitFor(timeout: .zero) { started.value = true }
            }
            try await yieldToLoop(loop)
            XCTAssertFalse(started.value)
        }
    }

    // test_waitfor.py AsyncioWaitForTest.test_wait_for_timeout_less_then_0_or_0
    func testZeroOrNegativeTimeoutCancelsARunningTask() {
        runLoopTest { loop, _ in
            for timeout in [Duration.zero, .seconds(-1)] {
                let running = Box<Bool?>(nil)
                let started = loop.createFuture(of: Void.self)
                let task = loop.createTask { () -> String in
                    running.value = true
                    try started.setResult(())
                    defer { running.value = false }
                    try await loop.sleep(.seconds(10))
                    return "done"
                }
                try await started.value
                await assertThrowsAsync(TimeoutError.self) { _ = try await loop.waitFor(task, timeout: timeout) }
                await assertEndsCancelled(task)
                XCTAssertEqual(running.value, false)
            }
        }
    }

    // test_waitfor.py AsyncioWaitForTest.test_wait_for
    func testWaitForCancelsTheTaskOnTimeout() {
        runLoopTest { loop, _ in
            let running = Box<Bool?>(nil)
            let task = loop.createTask { () -> String in
                running.value = true
                defer { running.value = false }
                try await loop.sleep(.seconds(3600))
                return "done"
            }
            await assertThrowsAsync(TimeoutError.self) { _ = try await loop.waitFor(task, timeout: .milliseconds(10)) }
            await assertEndsCancelled(task)
            XCTAssertEqual(running.value, false)
        }
    }

    // test_waitfor.py AsyncioWaitForTest.test_wait_for_blocking
    func testNoTimeout() {
        runLoopTest { loop, _ in
            let value = try await loop.waitFor(timeout: nil) { "done" }
            XCTAssertEqual(value, "done")
        }
    }

    // test_waitfor.py AsyncioWaitForTest.test_wait_for_race_condition
    func testResultArrivingSoonIsReturned() {
        runLoopTest { loop, _ in
            let future = loop.createFuture(of: String.self)
            loop.callSoon { try future.setResult("ok") }
            let value = try await loop.waitFor(timeout: .milliseconds(200)) { try await future.value }
            XCTAssertEqual(value, "ok")
        }
    }

    // test_waitfor.py AsyncioWaitForTest.test_wait_for_cancellation_race_condition and
    // test_wait_for_cancel_suppressed: a body that swallows the cancellation and returns
    // a value returns it.
    func testSuppressedCancellationReturnsTheValue() {
        runLoopTest { loop, _ in
            let value = try await loop.waitFor(timeout: .milliseconds(10)) { () -> Int in
                await assertThrowsAsync(CancellationError.self) { try await loop.sleep(.seconds(1)) }
                return 42
            }
            XCTAssertEqual(value, 42)
        }
    }

    // test_waitfor.py AsyncioWaitForTest.test_wait_for_waits_for_task_cancellation and
    // test_wait_for_waits_for_task_cancellation_w_timeout_0
    func testWaitsForTheTaskToEndAfterCancellingIt() {
        runLoopTest { loop, _ in
            for timeout in [Duration.milliseconds(1), .zero] {
                let taskDone = Box(false)
                let task = loop.createTask {
                    defer { taskDone.value = true }
                    do {
                        try await loop.sleep(.seconds(10))
                    } catch {
                        // Clean-up that takes a while: a task of its own, since this one
                        // stays cancelled.
                        _ = await loop.createTask { try await loop.sleep(.milliseconds(5)) }.result
                        throw error
                    }
                }
                try await loop.sleep(.milliseconds(1))
                await assertThrowsAsync(TimeoutError.self) { try await loop.waitFor(task, timeout: timeout) }
                XCTAssertTrue(taskDone.value)
            }
        }
    }

    // test_waitfor.py AsyncioWaitForTest.test_wait_for_reraises_exception_during_cancellation
    func testErrorDuringCancellationPasses() {
        runLoopTest { loop, _ in
            let task = loop.createTask {
                do {
                    try await loop.sleep(.milliseconds(200))
                } catch {}
                throw TestError(name: "FooException")
            }
            let error = await thrownError { try await loop.waitFor(task, timeout: .milliseconds(1)) }
            XCTAssertEqual(error as? TestError, TestError(name: "FooException"))
        }
    }

    // test_waitfor.py AsyncioWaitForTest.test_cancel_blocking_wait_for and
    // test_cancel_wait_for: cancelling the wait cancels the task (Python issue #23219).
    func testCancellingTheWaitCancelsTheTask() {
        runLoopTest { loop, _ in
            for timeout in [nil, Duration.seconds(60)] {
                let never = loop.createFuture(of: Void.self)
                let task = loop.createTask { try await never.value }
                let wait = loop.createTask { try await loop.waitFor(task, timeout: timeout) }
                loop.callSoon { wait.cancel() }
                await assertEndsCancelled(wait)
                await assertEndsCancelled(task)
                XCTAssertTrue(never.isCancelled)
            }
        }
    }

    // test_waitfor.py AsyncioWaitForTest.test_wait_for_issue86296: the caller cancelled
    // after waitFor returned does not reach its next step.
    func testCallerCancelledAfterTheTaskFinished() {
        runLoopTest { loop, _ in
            let inner = loop.createTask { "done" }
            let reachedEnd = Box(false)
            let task = loop.createTask {
                _ = try await loop.waitFor(inner, timeout: .seconds(100))
                try await loop.sleep(.seconds(1))
                reachedEnd.value = true
            }
            try await loop.sleep(.zero)
            task.cancel()
            await assertEndsCancelled(task)
            let value = try await inner.value
            XCTAssertEqual(value, "done")
            XCTAssertFalse(reachedEnd.value)
        }
    }

    // test_waitfor.py WaitForShieldTests.test_zero_timeout: the shielding task is
    // cancelled, the shielded one goes on.
    func testShieldedZeroTimeout() {
        runLoopTest { loop, _ in
            let task = loop.createTask { () -> String in
                try await loop.sleep(.milliseconds(10))
                return "done"
            }
            let shielded = loop.createTask { try await loop.shield(task) }
            await assertThrowsAsync(TimeoutError.self) { _ = try await loop.waitFor(shielded, timeout: .zero) }
            await assertEndsCancelled(shielded)
            let value = try await task.value
            XCTAssertEqual(value, "done")
        }
    }

    // test_waitfor.py WaitForShieldTests.test_none_timeout
    func testShieldedNoTimeout() {
        runLoopTest { loop, _ in
            let task = loop.createTask { () -> String in
                try await loop.sleep(.milliseconds(10))
                return "done"
            }
            let value = try await loop.waitFor(timeout: nil) { try await loop.shield(task) }
            XCTAssertEqual(value, "done")
        }
    }

    // test_waitfor.py WaitForShieldTests.test_shielded_timeout
    func testShieldedTimeout() {
        runLoopTest { loop, _ in
            let finished = Box(false)
            let task = loop.createTask { () -> String in
                try await loop.sleep(.milliseconds(50))
                finished.value = true
                return "done"
            }
            await assertThrowsAsync(TimeoutError.self) {
                _ = try await loop.waitFor(timeout: .milliseconds(5)) { try await loop.shield(task) }
            }
            XCTAssertFalse(finished.value)
            let value = try await task.value
            XCTAssertEqual(value, "done")
        }
    }
}

/// A body that sleeps long and records that it ended (CPython's `SlowTask`).
private func slowBody(_ loop: isolated EventLoop, exited: Box<Bool>) async throws {
    defer { exited.value = true }
    try await loop.sleep(.seconds(10))
}
