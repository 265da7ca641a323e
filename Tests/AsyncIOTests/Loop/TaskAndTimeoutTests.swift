@testable import AsyncIO
import XCTest

final class TaskAndTimeoutTests: XCTestCase {
    // CPython: test_eager_task_factory.EagerTaskFactoryLoopTests.test_eager_task_factory_set
    func testEagerTaskRunsUntilItsFirstSuspension() {
        runLoopTest { loop, _ in
            let log = Box([String]())
            let task = loop.createTask(eager: true) {
                log.value.append("eager start")
                try await loop.sleep(.zero)
                log.value.append("eager resumed")
            }
            log.value.append("after create")
            let lazy = loop.createTask { log.value.append("lazy start") }
            log.value.append("after lazy create")
            try await task.value
            try await lazy.value
            XCTAssertEqual(log.value, ["eager start", "after create", "after lazy create", "lazy start", "eager resumed"])
        }
    }

    func testEagerTaskThatNeverSuspendsIsNotLeftRegistered() {
        runLoopTest { loop, _ in
            let task = loop.createTask(eager: true) { 5 }
            let value = try await task.value
            XCTAssertEqual(value, 5)
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
