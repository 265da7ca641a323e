@testable import AsyncIO
import Glibc
import XCTest

/// CPython 3.13's test_timeouts.py, on `loop.timeout(_:_:)` / `loop.timeoutAt(_:_:)`.
///
/// Not ported, because the scope is entered by the call that makes it: test_timeout_
/// already_entered, test_timeout_double_enter, test_timeout_not_entered,
/// test_timeout_without_task. Not ported, because Swift errors have no `__context__`
/// chain: the chaining checks of test_timeout_exception_context and
/// test_foreign_exception_on_timeout_2 (the errors that pass are checked).
final class TimeoutTests: XCTestCase {
    // test_timeouts.py TimeoutTests.test_timeout_basic
    func testTimeoutBasic() {
        runLoopTest { loop, _ in
            let scope = Box<Timeout?>(nil)
            await assertThrowsAsync(TimeoutError.self) {
                try await loop.timeout(.milliseconds(10)) { cm in
                    scope.value = cm
                    try await loop.sleep(.seconds(10))
                }
            }
            XCTAssertTrue(scope.value!.expired)
        }
    }

    // test_timeouts.py TimeoutTests.test_timeout_at_basic
    func testTimeoutAtBasic() {
        runLoopTest { loop, _ in
            let scope = Box<Timeout?>(nil)
            let deadline = loop.time() + 0.01
            await assertThrowsAsync(TimeoutError.self) {
                try await loop.timeoutAt(deadline) { cm in
                    scope.value = cm
                    try await loop.sleep(.seconds(10))
                }
            }
            XCTAssertTrue(scope.value!.expired)
            XCTAssertEqual(scope.value!.when, deadline)
        }
    }

    // test_timeouts.py TimeoutTests.test_nested_timeouts: only the outermost scope
    // throws TimeoutError; the inner one passes the cancellation on.
    func testNestedTimeouts() {
        runLoopTest { loop, _ in
            let outer = Box<Timeout?>(nil)
            let inner = Box<Timeout?>(nil)
            let innerSawCancellation = Box(false)
            let deadline = loop.time() + 0.01
            await assertThrowsAsync(TimeoutError.self) {
                try await loop.timeoutAt(deadline) { cm1 in
                    outer.value = cm1
                    do {
                        try await loop.timeoutAt(deadline) { cm2 in
                            inner.value = cm2
                            try await loop.sleep(.seconds(10))
                        }
                    } catch is CancellationError {
                        innerSawCancellation.value = true
                        throw CancellationError()
                    }
                }
            }
            XCTAssertTrue(innerSawCancellation.value)
            XCTAssertTrue(outer.value!.expired)
            XCTAssertTrue(inner.value!.expired)
        }
    }

    // test_timeouts.py TimeoutTests.test_waiter_cancelled
    func testWaiterCancelled() {
        runLoopTest { loop, _ in
            let cancelled = Box(false)
            await assertThrowsAsync(TimeoutError.self) {
                try await loop.timeout(.milliseconds(10)) { _ in
                    do {
                        try await loop.sleep(.seconds(10))
                    } catch is CancellationError {
                        cancelled.value = true
                        throw CancellationError()
                    }
                }
            }
            XCTAssertTrue(cancelled.value)
        }
    }

    // test_timeouts.py TimeoutTests.test_timeout_not_called
    func testTimeoutNotCalled() {
        runLoopTest { loop, _ in
            let scope = Box<Timeout?>(nil)
            try await loop.timeout(.seconds(10)) { cm in
                scope.value = cm
                try await loop.sleep(.milliseconds(10))
            }
            let t1 = loop.time()
            XCTAssertFalse(scope.value!.expired)
            XCTAssertGreaterThan(scope.value!.when!, t1)
        }
    }

    // test_timeouts.py TimeoutTests.test_timeout_disabled / test_timeout_at_disabled
    func testTimeoutDisabled() {
        runLoopTest { loop, _ in
            let scopes = Box<[Timeout]>([])
            try await loop.timeout(nil) { cm in
                scopes.value.append(cm)
                try await loop.sleep(.milliseconds(10))
            }
            try await loop.timeoutAt(nil) { cm in
                scopes.value.append(cm)
                try await loop.sleep(.milliseconds(10))
            }
            for cm in scopes.value {
                XCTAssertFalse(cm.expired)
                XCTAssertNil(cm.when)
            }
        }
    }

    // test_timeouts.py TimeoutTests.test_timeout_zero, test_timeout_zero_sleep_zero and
    // test_timeout_in_the_past_sleep_zero
    func testTimeoutZeroAndInThePast() {
        runLoopTest { loop, _ in
            for (delay, sleep) in [(Duration.zero, Duration.seconds(10)), (.zero, .zero), (.seconds(-11), .zero)] {
                let scope = Box<Timeout?>(nil)
                let t0 = loop.time()
                await assertThrowsAsync(TimeoutError.self) {
                    try await loop.timeout(delay) { cm in
                        scope.value = cm
                        try await loop.sleep(sleep)
                    }
                }
                let t1 = loop.time()
                XCTAssertTrue(scope.value!.expired)
                if delay == .zero {
                    XCTAssertTrue(t0 <= scope.value!.when! && scope.value!.when! <= t1)
                } else {
                    XCTAssertLessThanOrEqual(scope.value!.when!, t0)
                }
            }
        }
    }

    // test_timeouts.py TimeoutTests.test_foreign_exception_passed
    func testForeignErrorPasses() {
        runLoopTest { loop, _ in
            let scope = Box<Timeout?>(nil)
            let error = await thrownError {
                try await loop.timeout(.milliseconds(10)) { cm in
                    scope.value = cm
                    throw TestError(name: "KeyError")
                }
            }
            XCTAssertEqual(error as? TestError, TestError(name: "KeyError"))
            XCTAssertFalse(scope.value!.expired)
        }
    }

    // test_timeouts.py TimeoutTests.test_foreign_exception_on_timeout and
    // test_timeout_exception_context: an error thrown while the body handles the
    // timeout's cancellation passes instead of TimeoutError.
    func testForeignErrorOnTimeoutPasses() {
        runLoopTest { loop, _ in
            let scope = Box<Timeout?>(nil)
            let error = await thrownError {
                try await loop.timeout(.milliseconds(10)) { cm in
                    scope.value = cm
                    do {
                        try await loop.sleep(.seconds(1))
                    } catch {
                        throw TestError(name: "ZeroDivisionError")
                    }
                }
            }
            XCTAssertEqual(error as? TestError, TestError(name: "ZeroDivisionError"))
            XCTAssertTrue(scope.value!.expired)
        }
    }

    // test_timeouts.py TimeoutTests.test_foreign_cancel_doesnt_timeout_if_not_expired:
    // the body's own task cancelled (asyncio: current_task().cancel()).
    func testForeignCancelIsNotATimeout() {
        runLoopTest { loop, _ in
            let scope = Box<Timeout?>(nil)
            await assertThrowsAsync(CancellationError.self) {
                try await loop.timeout(.seconds(10)) { cm in
                    scope.value = cm
                    withUnsafeCurrentTask { $0?.cancel() }
                    try await loop.sleep(.seconds(10))
                }
            }
            XCTAssertFalse(scope.value!.expired)
        }
    }

    // test_timeouts.py TimeoutTests.test_outer_task_is_not_cancelled
    func testOuterTaskIsNotCancelled() {
        runLoopTest { loop, _ in
            let task = loop.createTask {
                await assertThrowsAsync(TimeoutError.self) {
                    try await loop.timeout(.milliseconds(1)) { _ in try await loop.sleep(.seconds(10)) }
                }
                XCTAssertFalse(Task.isCancelled)
                try await loop.sleep(.zero)
                return "finished"
            }
            let value = try await task.value
            XCTAssertEqual(value, "finished")
        }
    }

    // test_timeouts.py TimeoutTests.test_nested_timeouts_concurrent: the outer deadline
    // passes while the inner scope runs; the inner passes the cancellation on.
    func testNestedTimeoutsConcurrent() {
        runLoopTest { loop, _ in
            let innerError = Box<(any Error)?>(nil)
            await assertThrowsAsync(TimeoutError.self) {
                try await loop.timeout(.milliseconds(2)) { _ in
                    do {
                        try await loop.timeout(.milliseconds(100)) { _ in
                            usleep(10_000)  // pretend to crunch numbers
                            try await loop.sleep(.seconds(1))
                        }
                    } catch {
                        innerError.value = error
                        throw error
                    }
                }
            }
            XCTAssertTrue(innerError.value is CancellationError, "\(String(describing: innerError.value))")
        }
    }

    // test_timeouts.py TimeoutTests.test_nested_timeouts_loop_busy: the inner deadline
    // passes while the loop is busy; the inner scope throws TimeoutError, and the outer
    // one later stops what follows.
    func testNestedTimeoutsLoopBusy() {
        runLoopTest { loop, _ in
            let innerTimedOut = Box(false)
            await assertThrowsAsync(TimeoutError.self) {
                try await loop.timeout(.milliseconds(500)) { _ in
                    do {
                        try await loop.timeout(.milliseconds(10)) { _ in
                            usleep(50_000)  // the loop is busy
                            try await loop.sleep(.seconds(1))
                        }
                    } catch is TimeoutError {
                        innerTimedOut.value = true
                    }
                    try await loop.sleep(.seconds(10))  // stopped by the outer scope
                }
            }
            XCTAssertTrue(innerTimedOut.value)
        }
    }

    // test_timeouts.py TimeoutTests.test_reschedule
    func testReschedule() {
        runLoopTest { loop, _ in
            let entered = loop.createFuture(of: Bool.self)
            let scope = Box<Timeout?>(nil)
            let deadline1 = loop.time() + 10
            let deadline2 = deadline1 + 20
            let task = loop.createTask {
                try await loop.timeoutAt(deadline1) { cm in
                    scope.value = cm
                    try entered.setResult(true)
                    try await loop.sleep(.seconds(50))
                }
            }
            _ = try await entered.value
            let cm = scope.value!
            XCTAssertEqual(cm.when, deadline1)
            try cm.reschedule(deadline2)
            XCTAssertEqual(cm.when, deadline2)
            try cm.reschedule(nil)
            XCTAssertNil(cm.when)
            task.cancel()
            await assertEndsCancelled(task)
            XCTAssertFalse(cm.expired)
        }
    }

    // Not in CPython: a deadline moved earlier fires there, and one moved into the past
    // fires on the next iteration.
    func testRescheduleEarlierAndIntoThePast() {
        runLoopTest { loop, _ in
            for target in [0.01, -1.0] {
                let scope = Box<Timeout?>(nil)
                await assertThrowsAsync(TimeoutError.self) {
                    try await loop.timeout(.seconds(3600)) { cm in
                        scope.value = cm
                        try cm.reschedule(loop.time() + target)
                        try await loop.sleep(.seconds(3600))
                    }
                }
                XCTAssertTrue(scope.value!.expired)
            }
        }
    }

    // test_timeouts.py TimeoutTests.test_repr_active, test_repr_expired,
    // test_repr_finished, test_repr_disabled
    func testDescription() {
        runLoopTest { loop, _ in
            try await loop.timeout(.seconds(10)) { cm in
                let text = cm.description
                XCTAssertNotNil(text.range(of: #"^<Timeout \[active\] when=\d+\.\d*>$"#, options: .regularExpression), text)
            }
            let expired = Box<Timeout?>(nil)
            await assertThrowsAsync(TimeoutError.self) {
                try await loop.timeout(.milliseconds(10)) { cm in
                    expired.value = cm
                    try await loop.sleep(.seconds(10))
                }
            }
            XCTAssertEqual(expired.value!.description, "<Timeout [expired]>")
            let finished = Box<Timeout?>(nil)
            try await loop.timeout(.seconds(10)) { cm in
                finished.value = cm
                try await loop.sleep(.zero)
            }
            XCTAssertEqual(finished.value!.description, "<Timeout [finished]>")
            try await loop.timeout(nil) { cm in
                XCTAssertEqual(cm.description, "<Timeout [active] when=None>")
            }
        }
    }

    // test_timeouts.py TimeoutTests.test_nested_timeout_in_finally,
    // test_timeout_after_cancellation and test_cancel_in_timeout_after_cancellation: a
    // DIFFERENCE. A Swift task stays cancelled, so a scope opened in a cancelled task's
    // clean-up throws CancellationError at once (asyncio's cleanup code runs uncancelled
    // and gets TimeoutError from the inner scope). The outer scope still times out.
    func testScopeInTheCleanupOfACancelledBody() {
        runLoopTest { loop, _ in
            let innerError = Box<(any Error)?>(nil)
            await assertThrowsAsync(TimeoutError.self) {
                try await loop.timeout(.milliseconds(10)) { _ in
                    do {
                        try await loop.sleep(.seconds(1))
                    } catch {
                        do {
                            try await loop.timeout(.milliseconds(10)) { _ in try await loop.sleep(.seconds(10)) }
                        } catch let inner {
                            innerError.value = inner
                        }
                        throw error
                    }
                }
            }
            XCTAssertTrue(innerError.value is CancellationError, "\(String(describing: innerError.value))")
        }
    }

    // test_timeouts.py TimeoutTests.test_timeout_finished, test_timeout_expired and
    // test_timeout_expiring
    func testRescheduleOutsideTheActiveState() {
        runLoopTest { loop, _ in
            let finished = Box<Timeout?>(nil)
            try await loop.timeout(.milliseconds(10)) { cm in finished.value = cm }
            XCTAssertThrowsError(try finished.value!.reschedule(loop.time() + 0.02)) {
                XCTAssertEqual($0 as? TimeoutUsageError, TimeoutUsageError("Cannot change state of finished Timeout"))
            }
            let expired = Box<Timeout?>(nil)
            await assertThrowsAsync(TimeoutError.self) {
                try await loop.timeout(.milliseconds(10)) { cm in
                    expired.value = cm
                    try await loop.sleep(.seconds(1))
                }
            }
            XCTAssertThrowsError(try expired.value!.reschedule(loop.time() + 0.02)) {
                XCTAssertEqual($0 as? TimeoutUsageError, TimeoutUsageError("Cannot change state of expired Timeout"))
            }
            // Expiring: the body caught the cancellation and goes on; it returns normally.
            let value = try await loop.timeout(.milliseconds(10)) { cm in
                await assertThrowsAsync(CancellationError.self) { try await loop.sleep(.seconds(1)) }
                XCTAssertThrowsError(try cm.reschedule(loop.time() + 0.02)) {
                    XCTAssertEqual($0 as? TimeoutUsageError, TimeoutUsageError("Cannot change state of expiring Timeout"))
                }
                return 7
            }
            XCTAssertEqual(value, 7)
        }
    }

    // test_timeouts.py TimeoutTests.test_timeout_taskgroup: a task group inside a scope;
    // a task's clean-up fails after the deadline, so the group's ExceptionGroup passes
    // through the scope instead of TimeoutError.
    func testTimeoutAroundTaskGroup() {
        runLoopTest { loop, _ in
            let error = await thrownError {
                try await loop.timeout(.milliseconds(10)) { _ in
                    try await loop.taskGroup { group in
                        try group.createTask {
                            do {
                                try await loop.sleep(.seconds(2))
                            } catch {
                                throw TestError(name: "ZeroDivisionError")  // crash in clean-up
                            }
                        }
                        do {
                            throw TestError(name: "ValueError")
                        } catch {
                            try await loop.sleep(.seconds(1))
                        }
                    }
                }
            }
            let group = try exceptionGroup(error)
            XCTAssertEqual(group.errors.count, 1)
            XCTAssertEqual(group.errors.first as? TestError, TestError(name: "ZeroDivisionError"))
        }
    }

    // Not in CPython: cancelling the caller while the scope waits cancels the body, and
    // the caller gets CancellationError, not TimeoutError.
    func testCancelledWhileWaiting() {
        runLoopTest { loop, _ in
            let bodyCancelled = Box(false)
            let task = try await startedTask(loop) {
                try await loop.timeout(.seconds(3600)) { _ in
                    do {
                        try await loop.sleep(.seconds(3600))
                    } catch {
                        bodyCancelled.value = true
                        throw error
                    }
                }
            }
            task.cancel()
            await assertEndsCancelled(task)
            XCTAssertTrue(bodyCancelled.value)
        }
    }

    // Not in CPython: withTimeout is the same scope (one implementation).
    func testWithTimeoutIsTheSameScope() {
        runLoopTest { loop, _ in
            await assertThrowsAsync(TimeoutError.self) {
                try await withTimeout(.milliseconds(5)) { try await loop.sleep(.seconds(10)) }
            }
            let value = try await withTimeout(.seconds(10)) { 5 }
            XCTAssertEqual(value, 5)
        }
    }
}
