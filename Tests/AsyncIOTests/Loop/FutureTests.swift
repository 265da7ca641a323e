@testable import AsyncIO
import XCTest

final class FutureTests: XCTestCase {
    // CPython: test_futures.BaseFutureTests.test_result / test_initial_state
    func testResultAndStates() {
        runLoopTest { loop, _ in
            let future = loop.createFuture(of: Int.self)
            XCTAssertFalse(future.isDone)
            XCTAssertThrowsError(try future.result()) { XCTAssertTrue($0 is InvalidStateError) }
            XCTAssertThrowsError(try future.exception) { XCTAssertTrue($0 is InvalidStateError) }
            try future.setResult(42)
            XCTAssertTrue(future.isDone)
            XCTAssertFalse(future.isCancelled)
            XCTAssertEqual(try future.result(), 42)
            XCTAssertNil(try future.exception)
            let awaited = try await future.value
            XCTAssertEqual(awaited, 42)
        }
    }

    // CPython: test_futures.BaseFutureTests.test_exception / test_exception_class
    func testSecondResultIsInvalidState() {
        struct Boom: Error {}
        runLoopTest { loop, _ in
            let future = loop.createFuture(of: Int.self)
            try future.setException(Boom())
            XCTAssertThrowsError(try future.setResult(1)) { XCTAssertTrue($0 is InvalidStateError) }
            XCTAssertThrowsError(try future.setException(Boom())) { XCTAssertTrue($0 is InvalidStateError) }
            XCTAssertFalse(future.cancel())
            XCTAssertTrue(try future.exception is Boom)
            XCTAssertThrowsError(try future.result()) { XCTAssertTrue($0 is Boom) }
            XCTAssertThrowsError(try loop.createFuture(of: Int.self).setException(CancellationError())) {
                XCTAssertTrue($0 is InvalidStateError)
            }
        }
    }

    // CPython: test_futures.BaseFutureTests.test_cancel
    func testCancel() {
        runLoopTest { loop, _ in
            let future = loop.createFuture(of: Int.self)
            XCTAssertTrue(future.cancel())
            XCTAssertTrue(future.isCancelled)
            XCTAssertTrue(future.isDone)
            XCTAssertFalse(future.cancel())
            XCTAssertThrowsError(try future.result()) { XCTAssertTrue($0 is CancellationError) }
            XCTAssertThrowsError(try future.exception) { XCTAssertTrue($0 is CancellationError) }
        }
    }

    // CPython: test_futures.BaseFutureDoneCallbackTests.test_callbacks_invoked_on_set_result
    // and test_remove_done_callback (callbacks are scheduled, never called inline)
    func testDoneCallbacksAreScheduledNotInline() {
        runLoopTest { loop, _ in
            let future = loop.createFuture(of: Int.self)
            var calls: [String] = []
            future.addDoneCallback { calls.append("first \(try! $0.result())") }
            let removed = future.addDoneCallback { _ in calls.append("removed") }
            future.addDoneCallback { _ in calls.append("third") }
            XCTAssertEqual(future.removeDoneCallback(removed), 1)
            try future.setResult(7)
            XCTAssertEqual(calls, [])
            try await loop.sleep(.zero)
            XCTAssertEqual(calls, ["first 7", "third"])
            future.addDoneCallback { _ in calls.append("late") }
            XCTAssertEqual(calls.count, 2)
            try await loop.sleep(.zero)
            XCTAssertEqual(calls.last, "late")
        }
    }

    // CPython: test_tasks.BaseTaskTests.test_cancel_yield (cancelling an awaiting task
    // cancels the future it awaits)
    func testCancellingTheWaiterCancelsTheFuture() {
        runLoopTest { loop, _ in
            let future = loop.createFuture(of: Int.self)
            let waiter = loop.createTask { try await future.value }
            try await loop.sleep(.zero)
            waiter.cancel()
            let result = await waiter.result
            XCTAssertThrowsError(try result.get()) { XCTAssertTrue($0 is CancellationError) }
            XCTAssertTrue(future.isCancelled)
        }
    }

    func testManyWaitersAllResume() {
        runLoopTest { loop, _ in
            let future = loop.createFuture(of: String.self)
            let waiters = (0..<10).map { _ in loop.createTask { try await future.value } }
            loop.callLater(.milliseconds(1)) { try future.setResult("ok") }
            for waiter in waiters {
                let value = try await waiter.value
                XCTAssertEqual(value, "ok")
            }
        }
    }
}
