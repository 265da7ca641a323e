@testable import AsyncIO
import XCTest

/// CPython 3.13's as_completed tests (test_tasks.py BaseTaskTests.test_as_completed*),
/// the `async for` form, on `loop.asCompleted`.
///
/// Not ported: the plain-iterator form (test_as_completed_reverse_wait,
/// test_as_completed_concurrent; see `AsCompleted`), the coroutine and loop-binding
/// tests (tasks only here).
final class AsCompletedTests: XCTestCase {
    private static func sleeper(
        _ loop: isolated EventLoop, _ delay: Duration, _ value: String
    ) -> Task<String, any Error> {
        loop.createTask {
            try await loop.sleep(delay)
            return value
        }
    }

    // test_tasks.py BaseTaskTests.test_as_completed
    func testInCompletionOrder() {
        runLoopTest { loop, _ in
            let a = Self.sleeper(loop, .milliseconds(10), "a")
            let b = Self.sleeper(loop, .milliseconds(10), "b")
            let c = Self.sleeper(loop, .milliseconds(60), "c")
            var values: [String] = []
            for try await task in loop.asCompleted([b, c, a]) {
                values.append(try await task.value)
            }
            XCTAssertEqual(Set(values.prefix(2)), ["a", "b"])
            XCTAssertEqual(values.last, "c")
        }
    }

    // test_tasks.py BaseTaskTests.test_as_completed_same_tasks_in_as_out
    func testYieldsTheTasksGiven() {
        runLoopTest { loop, _ in
            let given = (0..<4).map { i in loop.createTask { i } }
            var yielded = Set<Task<Int, any Error>>()
            for try await task in loop.asCompleted(given) { yielded.insert(task) }
            XCTAssertEqual(yielded, Set(given))
        }
    }

    // test_tasks.py BaseTaskTests.test_as_completed_with_timeout: the timeout ends the
    // iteration with TimeoutError; the task left is not cancelled.
    func testTimeout() {
        runLoopTest { loop, _ in
            let a = Self.sleeper(loop, .milliseconds(10), "a")
            let b = Self.sleeper(loop, .seconds(3600), "b")
            var values: [String] = []
            let error = await thrownError {
                for try await task in loop.asCompleted([a, b], timeout: .milliseconds(100)) {
                    values.append(try await task.value)
                }
            }
            XCTAssertEqual(values, ["a"])
            XCTAssertTrue(error is TimeoutError, "\(String(describing: error))")
            b.cancel()
            let bResult = await b.result
            XCTAssertTrue(bResult.isCancellation)  // cancelled here, not by asCompleted
        }
    }

    // test_tasks.py BaseTaskTests.test_as_completed_with_unused_timeout
    func testUnusedTimeout() {
        runLoopTest { loop, _ in
            let a = Self.sleeper(loop, .milliseconds(10), "a")
            for try await task in loop.asCompleted([a], timeout: .seconds(1)) {
                let value = try await task.value
                XCTAssertEqual(value, "a")
            }
        }
    }

    // test_tasks.py BaseTaskTests.test_as_completed_resume_iterator
    func testResumingTheIterator() {
        runLoopTest { loop, _ in
            let sequence = loop.asCompleted((0..<4).map { i in loop.createTask { i } })
            var collected: [Int] = []
            for try await task in sequence {
                collected.append(try await task.value)
                if collected.count == 2 { break }
            }
            XCTAssertEqual(collected.count, 2)
            for try await task in sequence { collected.append(try await task.value) }
            XCTAssertEqual(collected.sorted(), [0, 1, 2, 3])
        }
    }

    // test_tasks.py BaseTaskTests.test_as_completed_duplicate_coroutines
    func testDuplicates() {
        runLoopTest { loop, _ in
            let ham = loop.createTask { "ham" }
            var values: [String] = []
            for try await task in loop.asCompleted([ham, ham, loop.createTask { "spam" }]) {
                values.append(try await task.value)
            }
            XCTAssertEqual(values.count, 2)
            XCTAssertEqual(Set(values), ["ham", "spam"])
        }
    }

    // Not in CPython: cancelling the iterating task while it waits throws
    // CancellationError at once; the tasks go on.
    func testCancelledWhileWaiting() {
        runLoopTest { loop, _ in
            let a = Self.sleeper(loop, .milliseconds(20), "a")
            let iterating = try await startedTask(loop) {
                for try await _ in loop.asCompleted([a]) {}
            }
            iterating.cancel()
            await assertEndsCancelled(iterating)
            let value = try await a.value
            XCTAssertEqual(value, "a")
        }
    }

    // Not in CPython: no tasks is an empty iteration.
    func testNoTasks() {
        runLoopTest { loop, _ in
            var count = 0
            for try await _ in loop.asCompleted([Task<Int, any Error>](), timeout: .seconds(1)) { count += 1 }
            XCTAssertEqual(count, 0)
        }
    }
}
