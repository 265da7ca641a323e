@testable import AsyncIO
import XCTest

/// CPython 3.13's shield tests (test_tasks.py BaseTaskTests.test_shield_*), on
/// `loop.shield`. asyncio's outer future is the task that awaits `shield` here.
///
/// Not ported: the loop-binding tests (test_shield_coroutine_without_loop, …_use_*_loop).
final class ShieldTests: XCTestCase {
    // test_tasks.py BaseTaskTests.test_shield_result and test_shield_shortcut
    func testResult() {
        runLoopTest { loop, _ in
            let inner = loop.createFuture(of: Int.self)
            let task = loop.createTask { try await inner.value }
            let outer = loop.createTask { try await loop.shield(task) }
            try inner.setResult(42)
            let value = try await outer.value
            XCTAssertEqual(value, 42)
            // A task already done: its result at once.
            let again = try await loop.shield(task)
            XCTAssertEqual(again, 42)
        }
    }

    // test_tasks.py BaseTaskTests.test_shield_exception
    func testException() {
        runLoopTest { loop, _ in
            let inner = loop.createFuture(of: Int.self)
            let outer = loop.createTask { try await loop.shield(loop.createTask { try await inner.value }) }
            try await yieldToLoop(loop)
            try inner.setException(TestError(name: "expected"))
            let result = await outer.result
            XCTAssertThrowsError(try result.get()) { XCTAssertEqual($0 as? TestError, TestError(name: "expected")) }
        }
    }

    // test_tasks.py BaseTaskTests.test_shield_cancel_inner
    func testCancelInner() {
        runLoopTest { loop, _ in
            let inner = loop.createFuture(of: Int.self)
            let outer = loop.createTask { try await loop.shield(loop.createTask { try await inner.value }) }
            try await yieldToLoop(loop)
            inner.cancel()
            await assertEndsCancelled(outer)
        }
    }

    // test_tasks.py BaseTaskTests.test_shield_cancel_outer: cancelling the caller while
    // it waits ends the wait at once and leaves the inner task running.
    func testCancelledWhileWaiting() {
        runLoopTest { loop, _ in
            let inner = loop.createFuture(of: Int.self)
            let task = loop.createTask { try await inner.value }
            let outer = try await startedTask(loop) { try await loop.shield(task) }
            outer.cancel()
            await assertEndsCancelled(outer)
            XCTAssertFalse(inner.isDone)
            try inner.setResult(1)
            let value = try await task.value
            XCTAssertEqual(value, 1)
        }
    }

    // test_tasks.py BaseTaskTests.test_shield_effect: cancelling outer() does not affect
    // inner().
    func testEffect() {
        runLoopTest { loop, _ in
            let proof = Box(0)
            let waiter = loop.createFuture(of: Void.self)
            let outer = try await startedTask(loop) {
                try await loop.shield {
                    try await waiter.value
                    proof.value += 1
                }
                proof.value += 100
            }
            outer.cancel()
            await assertEndsCancelled(outer)
            try waiter.setResult(())
            try await waitUntil(loop) { proof.value != 0 }
            XCTAssertEqual(proof.value, 1)
        }
    }

    // test_tasks.py BaseTaskTests.test_shield_gather: a shielded gather goes on after
    // the shield's caller is cancelled.
    func testShieldedGather() {
        runLoopTest { loop, _ in
            let child1 = loop.createFuture(of: Int.self)
            let child2 = loop.createFuture(of: Int.self)
            let parent = loop.createTask {
                try await loop.gather([loop.createTask { try await child1.value }, loop.createTask { try await child2.value }])
            }
            let outer = try await startedTask(loop) { try await loop.shield(parent) }
            outer.cancel()
            await assertEndsCancelled(outer)
            try child1.setResult(1)
            try child2.setResult(2)
            let values = try await parent.value
            XCTAssertEqual(values, [1, 2])
        }
    }

    // test_tasks.py BaseTaskTests.test_gather_shield: cancelling a gather of shields
    // cancels the shields, not the shielded tasks.
    func testGatherOfShields() {
        runLoopTest { loop, _ in
            let child1 = loop.createFuture(of: Int.self)
            let child2 = loop.createFuture(of: Int.self)
            let task1 = loop.createTask { try await child1.value }
            let task2 = loop.createTask { try await child2.value }
            let inner1 = loop.createTask { try await loop.shield(task1) }
            let inner2 = loop.createTask { try await loop.shield(task2) }
            let parent = try await startedTask(loop) { try await loop.gather([inner1, inner2]) }
            parent.cancel()
            await assertEndsCancelled(parent)
            let inner1Result = await inner1.result
            let inner2Result = await inner2.result
            XCTAssertTrue(inner1Result.isCancellation)
            XCTAssertTrue(inner2Result.isCancellation)
            XCTAssertFalse(child1.isCancelled)
            XCTAssertFalse(child2.isCancelled)
            try child1.setResult(1)
            try child2.setResult(2)
            let values = [try await task1.value, try await task2.value]
            XCTAssertEqual(values, [1, 2])
        }
    }
}
