@testable import AsyncIO
import XCTest

/// Tasks created on the loop run on the loop thread: their first step, the step after an
/// await resumed from a libuv callback, `async let` and task-group children.
final class ThreadIdentityTests: XCTestCase {
    func testTaskCodeRunsOnTheLoopThread() {
        runLoopTest { loop, _ in
            let loopThread = pthread_self()
            XCTAssertTrue(loop.isOnLoopThread)
            let task = loop.createTask { () -> Bool in
                let first = pthread_equal(pthread_self(), loopThread) != 0
                try await loop.sleep(.milliseconds(1))  // resumed from a uv timer callback
                let afterTimer = pthread_equal(pthread_self(), loopThread) != 0
                _ = try await loop.runInExecutor { 42 }  // resumed from uv_queue_work's callback
                let afterPool = pthread_equal(pthread_self(), loopThread) != 0
                return first && afterTimer && afterPool && loop.isOnLoopThread
            }
            let onLoop = try await task.value
            XCTAssertTrue(onLoop)
            XCTAssertTrue(pthread_equal(pthread_self(), loopThread) != 0)
        }
    }

    func testAsyncLetAndTaskGroupChildrenRunOnTheLoopThread() {
        runLoopTest { loop, _ in
            @Sendable func where_() async throws -> Bool {
                let before = loop.isOnLoopThread
                try await loop.sleep(.milliseconds(1))
                return before && loop.isOnLoopThread
            }
            async let a = where_()
            async let b = where_()
            let letResults = try await [a, b]
            XCTAssertEqual(letResults, [true, true])
            let groupResults = try await withThrowingTaskGroup(of: Bool.self) { group in
                for _ in 0..<8 { group.addTask { try await where_() } }
                var all: [Bool] = []
                for try await result in group { all.append(result) }
                return all
            }
            XCTAssertEqual(groupResults, Array(repeating: true, count: 8))
        }
    }

    func testCurrentLoopIsNilOffTheLoop() {
        XCTAssertNil(EventLoop.current)
        runLoopTest { loop, _ in
            XCTAssertTrue(EventLoop.current === loop)
            let offLoop = try await loop.runInExecutor { EventLoop.current == nil }
            XCTAssertTrue(offLoop)
        }
    }

    func testAssumeIsolatedWorksInsidePlainCallbacks() {
        runLoopTest { loop, _ in
            let done = loop.createFuture(of: Bool.self)
            loop.callSoon {
                // A plain libuv-driven callback, no task running: the loop answers
                // isIsolatingCurrentContext, so the runtime accepts the check.
                loop.preconditionIsolated()
                try done.setResult(true)
            }
            let ok = try await done.value
            XCTAssertTrue(ok)
        }
    }
}
