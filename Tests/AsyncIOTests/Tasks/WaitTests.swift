@testable import AsyncIO
import XCTest

/// CPython 3.13's wait tests (test_tasks.py BaseTaskTests.test_wait*), on `loop.wait`.
/// asyncio's tests advance a fake clock; these sleep on the real one with short delays and
/// check what finished, never how long it took.
///
/// Not ported: test_wait_really_done (a task finishing between the first completion and
/// the waiter's resumption: here completions arrive through a watcher task one iteration
/// later, so that moment differs), test_wait_errors' invalid return_when (an enum here).
final class WaitTests: XCTestCase {
    // test_tasks.py BaseTaskTests.test_wait and test_wait_with_iterator_of_tasks
    func testWaitAll() {
        runLoopTest { loop, _ in
            let a = sleeper(loop, .milliseconds(10))
            let b = sleeper(loop, .milliseconds(15))
            let (done, pending) = try await loop.wait([b, a])
            XCTAssertEqual(done, [a, b])
            XCTAssertEqual(pending, [])
            // Again: nothing to wait for.
            let again = try await loop.wait([b, a].lazy.map { $0 })
            XCTAssertEqual(again.done, [a, b])
        }
    }

    // test_tasks.py BaseTaskTests.test_wait_duplicate_coroutines
    func testDuplicates() {
        runLoopTest { loop, _ in
            let c = loop.createTask { "test" }
            let (done, pending) = try await loop.wait([c, c, loop.createTask { "spam" }])
            XCTAssertEqual(pending, [])
            var values = Set<String>()
            for task in done { values.insert(try await task.value) }
            XCTAssertEqual(values, ["test", "spam"])
        }
    }

    // test_tasks.py BaseTaskTests.test_wait_errors: no tasks is an error.
    func testNoTasks() {
        runLoopTest { loop, _ in
            let error = await thrownError { _ = try await loop.wait([Task<Void, any Error>]()) }
            XCTAssertEqual(error as? InvalidArgumentError, InvalidArgumentError("Set of Tasks/Futures is empty."))
        }
    }

    // test_tasks.py BaseTaskTests.test_wait_first_completed
    func testFirstCompleted() {
        runLoopTest { loop, _ in
            let a = sleeper(loop, .seconds(3600))
            let b = sleeper(loop, .milliseconds(10))
            let (done, pending) = try await loop.wait([b, a], returnWhen: .firstCompleted)
            XCTAssertEqual(done, [b])
            XCTAssertEqual(pending, [a])
            try await b.value
            a.cancel()
        }
    }

    // test_tasks.py BaseTaskTests.test_wait_first_exception (a task that already failed)
    // and test_wait_first_exception_in_wait (one that fails while wait waits)
    func testFirstException() {
        runLoopTest { loop, _ in
            for failAfter in [Duration.zero, .milliseconds(10)] {
                let a = sleeper(loop, .seconds(3600))
                let b = loop.createTask {
                    if failAfter > .zero { try await loop.sleep(failAfter) }
                    throw TestError(name: "ZeroDivisionError")
                }
                let (done, pending) = try await loop.wait([b, a], returnWhen: .firstException)
                XCTAssertEqual(done, [b])
                XCTAssertEqual(pending, [a])
                a.cancel()
            }
        }
    }

    // Not in CPython (asyncio's rule, FIRST_EXCEPTION): a cancelled task is not an
    // exception, so the wait goes on until all have finished.
    func testFirstExceptionIgnoresCancellation() {
        runLoopTest { loop, _ in
            let a = sleeper(loop, .seconds(3600))
            let b = sleeper(loop, .milliseconds(10))
            a.cancel()
            let (done, pending) = try await loop.wait([a, b], returnWhen: .firstException)
            XCTAssertEqual(done, [a, b])
            XCTAssertEqual(pending, [])
        }
    }

    // test_tasks.py BaseTaskTests.test_wait_with_exception
    func testAllCompletedWithAnException() {
        runLoopTest { loop, _ in
            let a = sleeper(loop, .milliseconds(10))
            let b = loop.createTask {
                try await loop.sleep(.milliseconds(15))
                throw TestError(name: "ZeroDivisionError")
            }
            let (done, pending) = try await loop.wait([b, a])
            XCTAssertEqual(done.count, 2)
            XCTAssertEqual(pending, [])
            var errors = 0
            for task in done where await task.result.failed { errors += 1 }
            XCTAssertEqual(errors, 1)
        }
    }

    // test_tasks.py BaseTaskTests.test_wait_with_timeout and test_wait_concurrent_complete:
    // the timeout returns what finished; nothing is cancelled.
    func testTimeout() {
        runLoopTest { loop, _ in
            let a = sleeper(loop, .milliseconds(10))
            let b = sleeper(loop, .seconds(3600))
            let (done, pending) = try await loop.wait([b, a], timeout: .milliseconds(100))
            XCTAssertEqual(done, [a])
            XCTAssertEqual(pending, [b])
            b.cancel()
        }
    }

    // test_tasks.py BaseTaskTests.test_wait_generator
    func testSequenceOfTasks() {
        runLoopTest { loop, _ in
            let tasks = (0..<10).map { i in loop.createTask { i } }
            let (done, pending) = try await loop.wait(tasks.lazy.map { $0 }, returnWhen: .allCompleted)
            XCTAssertEqual(done.count, 10)
            XCTAssertEqual(pending.count, 0)
        }
    }

    // test_tasks.py BaseTaskTests.test_yield_wait_does_not_shield_cancel: cancelling the
    // caller while it waits throws CancellationError at once and leaves the tasks running.
    func testCancelledWhileWaiting() {
        runLoopTest { loop, _ in
            let a = sleeper(loop, .milliseconds(20))
            let waiting = try await startedTask(loop) { try await loop.wait([a]) }
            waiting.cancel()
            await assertEndsCancelled(waiting)
            try await a.value  // not cancelled: it sleeps to the end
        }
    }
}

private extension Result {
    var failed: Bool {
        if case .failure = self { return true }
        return false
    }
}

/// A task that sleeps for `delay` (CPython's `asyncio.sleep(d)` tasks).
private func sleeper(_ loop: isolated EventLoop, _ delay: Duration) -> Task<Void, any Error> {
    loop.createTask { try await loop.sleep(delay) }
}
