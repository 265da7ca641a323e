@testable import AsyncIO
import XCTest

final class TaskAndTimeoutTests: XCTestCase {
    // A task starts on the next iteration, after what was ready (asyncio's default task
    // factory), and a finished task is not left registered for EventLoop.run's shutdown.
    // CPython: test_tasks.BaseTaskTests.test_task_basics / test_create_task
    func testTaskStartsNextIterationAndIsNotLeftRegistered() {
        runLoopTest { loop, _ in
            let log = Box([String]())
            loop.callSoon { log.value.append("ready before") }
            let task = loop.createTask { () -> Int in
                log.value.append("task start")
                return 5
            }
            log.value.append("after create")
            let value = try await task.value
            XCTAssertEqual(value, 5)
            XCTAssertEqual(log.value, ["after create", "ready before", "task start"])
            XCTAssertTrue(loop.liveTasks.isEmpty)
        }
    }

    // CPython: test_timeouts.TimeoutTests.test_timeout_basic
    func testWithTimeoutThrowsTimeoutErrorAndCancelsTheBody() {
        runLoopTest { loop, _ in
            let bodyCancelled = Box(false)
            let start = loop.time()
            do {
                try await withTimeout(.milliseconds(20)) {
                    do {
                        try await loop.sleep(.seconds(3600))
                    } catch is CancellationError {
                        bodyCancelled.value = true
                        throw CancellationError()
                    }
                }
                XCTFail("expected TimeoutError")
            } catch is TimeoutError {}
            XCTAssertTrue(bodyCancelled.value)
            XCTAssertGreaterThanOrEqual(loop.time() - start, 0.02)
            XCTAssertFalse(Task.isCancelled)
        }
    }

    // CPython: test_timeouts.TimeoutTests.test_timeout_not_triggered
    func testWithTimeoutReturnsTheResultInTime() {
        runLoopTest { loop, _ in
            let value = try await withTimeout(.seconds(30)) {
                try await loop.sleep(.milliseconds(1))
                return "done"
            }
            XCTAssertEqual(value, "done")
        }
    }

    // CPython: test_timeouts.TimeoutTests.test_nested_timeouts / outer cancellation
    func testCancellingTheCallerIsNotATimeout() {
        runLoopTest { loop, _ in
            let outer = loop.createTask {
                try await withTimeout(.seconds(3600)) { try await loop.sleep(.seconds(3600)) }
            }
            try await loop.sleep(.milliseconds(1))
            outer.cancel()
            let result = await outer.result
            XCTAssertThrowsError(try result.get()) { XCTAssertTrue($0 is CancellationError) }
        }
    }

    func testSleepIsCancellable() {
        runLoopTest { loop, _ in
            let sleeper = loop.createTask { try await loop.sleep(.seconds(3600)) }
            try await loop.sleep(.zero)
            sleeper.cancel()
            let result = await sleeper.result
            XCTAssertThrowsError(try result.get()) { XCTAssertTrue($0 is CancellationError) }
        }
    }
}
