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

    // CPython 3.13: futures.Future.set_exception refuses only StopIteration: a
    // CancelledError set as the exception finishes the future (not cancelled), and
    // result() and awaiting it raise that error.
    func testCancellationErrorCanBeSetAsTheException() {
        runLoopTest { loop, _ in
            let future = loop.createFuture(of: Int.self)
            try future.setException(CancellationError())
            XCTAssertTrue(future.isDone)
            XCTAssertFalse(future.isCancelled)
            XCTAssertTrue(try future.exception is CancellationError)
            XCTAssertThrowsError(try future.result()) { XCTAssertTrue($0 is CancellationError) }
            do {
                _ = try await future.value
                XCTFail("awaiting the future returned a value")
            } catch {
                XCTAssertTrue(error is CancellationError)
            }
        }
    }

    // CPython: futures.Future.__schedule_callbacks and tasks.Task.__step (a task waits
    // through add_done_callback(self.__wakeup)): callbacks and awaiting tasks wake in the
    // order they were registered.
    func testDoneCallbacksAndWaitersWakeInRegistrationOrder() {
        runLoopTest { loop, _ in
            let future = loop.createFuture(of: Int.self)
            let order = Box<[String]>([])
            future.addDoneCallback { _ in order.value.append("callback 1") }
            let first = loop.createTask {
                _ = try await future.value
                order.value.append("task 1")
            }
            try await loop.sleep(.zero)  // the task runs up to its await, registering it
            future.addDoneCallback { _ in order.value.append("callback 2") }
            let second = loop.createTask {
                _ = try await future.value
                order.value.append("task 2")
            }
            try await loop.sleep(.zero)
            future.addDoneCallback { _ in order.value.append("callback 3") }
            try future.setResult(1)
            try await first.value
            try await second.value
            try await loop.sleep(.zero)
            XCTAssertEqual(order.value, ["callback 1", "task 1", "callback 2", "task 2", "callback 3"])
        }
    }
}
