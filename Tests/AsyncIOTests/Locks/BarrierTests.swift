@testable import AsyncIO
import XCTest

/// CPython's test_locks.py BarrierTests, over a real loop (N = 5 parties unless a test
/// says otherwise, as in CPython's asyncSetUp).
///
/// Not ported, as it tests Python only: test_barrier's `await barrier` TypeError (its
/// repr half is in testBarrier). asyncio's `async with barrier as i:` is
/// `let i = try await barrier.wait()` here (its exit does nothing).
final class BarrierTests: XCTestCase {
    // CPython test_locks.py: BarrierTests.test_barrier (the repr half)
    func testBarrier() {
        runLoopTest { loop, _ in
            let barrier = try Barrier(parties: partiesN, loop: loop)
            XCTAssertTrue(barrier.description.contains("filling"), barrier.description)
        }
    }

    // CPython test_locks.py: BarrierTests.test_repr (the draining state is checked from
    // inside the barrier in testDrainingState: it lasts only while the tasks leave)
    func testDescription() {
        runLoopTest { loop, _ in
            let barrier = try Barrier(parties: partiesN, loop: loop)
            XCTAssertEqual(barrier.description, "<Barrier [filling, waiters:0/5]>")
            var waiters = (0..<2).map { _ in loop.createTask { try await barrier.wait() } }
            try await waitUntil(loop) { barrier.nWaiting == 2 }
            XCTAssertEqual(barrier.description, "<Barrier [filling, waiters:2/5]>")

            try await barrier.reset()
            XCTAssertEqual(barrier.description, "<Barrier [resetting, waiters:0/5]>")
            for waiter in waiters {
                await assertThrowsAsync(BrokenBarrierError.self) { _ = try await waiter.value }
            }
            XCTAssertEqual(barrier.description, "<Barrier [filling, waiters:0/5]>")

            waiters = (0..<2).map { _ in loop.createTask { try await barrier.wait() } }
            try await waitUntil(loop) { barrier.nWaiting == 2 }
            try await barrier.abort()
            XCTAssertEqual(barrier.description, "<Barrier [broken]>")
            XCTAssertTrue(barrier.broken)
            for waiter in waiters {
                await assertThrowsAsync(BrokenBarrierError.self) { _ = try await waiter.value }
            }
        }
    }

    // CPython test_locks.py: BarrierTests.test_barrier_parties
    func testBarrierParties() {
        runLoopTest { loop, _ in
            for parties in [0, -4] {
                XCTAssertThrowsError(try Barrier(parties: parties, loop: loop)) { error in
                    XCTAssertEqual(error as? LockUsageError, .barrierPartiesNotPositive(parties))
                    XCTAssertEqual("\(error)", "parties must be > 0, not \(parties)")
                }
            }
            XCTAssertEqual(try Barrier(parties: partiesN, loop: loop).parties, 5)
        }
    }

    // CPython test_locks.py: BarrierTests.test_context_manager
    func testContextManager() {
        runLoopTest { loop, _ in
            let barrier = try Barrier(parties: 3, loop: loop)
            let indices = try await gather(loop, 3) { try await barrier.wait() }
            XCTAssertEqual(indices.sorted(), [0, 1, 2])
            XCTAssertEqual(barrier.nWaiting, 0)
            XCTAssertFalse(barrier.broken)
        }
    }

    // CPython test_locks.py: BarrierTests.test_filling_one_task
    func testFillingOneTask() {
        runLoopTest { loop, _ in
            let barrier = try Barrier(parties: 1, loop: loop)
            let index = try await barrier.wait()
            XCTAssertEqual(index, 0)
            XCTAssertEqual(barrier.nWaiting, 0)
            XCTAssertFalse(barrier.broken)
        }
    }

    // CPython test_locks.py: BarrierTests.test_filling_one_task_twice
    func testFillingOneTaskTwice() {
        runLoopTest { loop, _ in
            let barrier = try Barrier(parties: 1, loop: loop)
            let t1 = loop.createTask { try await barrier.wait() }
            let first = try await t1.value
            XCTAssertEqual(barrier.nWaiting, 0)
            let t2 = loop.createTask { try await barrier.wait() }
            let second = try await t2.value
            XCTAssertEqual(first, second)
            XCTAssertEqual(barrier.nWaiting, 0)
            XCTAssertFalse(barrier.broken)
        }
    }

    // CPython test_locks.py: BarrierTests.test_filling_task_by_task
    func testFillingTaskByTask() {
        runLoopTest { loop, _ in
            let barrier = try Barrier(parties: 3, loop: loop)
            let t1 = loop.createTask { try await barrier.wait() }
            try await waitUntil(loop) { barrier.nWaiting == 1 }
            XCTAssertTrue(barrier.description.contains("filling"))
            let t2 = loop.createTask { try await barrier.wait() }
            try await waitUntil(loop) { barrier.nWaiting == 2 }
            XCTAssertTrue(barrier.description.contains("filling"))
            let t3 = loop.createTask { try await barrier.wait() }
            var indices: [Int] = []
            for task in [t1, t2, t3] { indices.append(try await task.value) }
            XCTAssertEqual(indices.sorted(), [0, 1, 2])
            XCTAssertEqual(barrier.nWaiting, 0)
            XCTAssertFalse(barrier.broken)
        }
    }

    // CPython test_locks.py: BarrierTests.test_filling_tasks_wait_twice
    func testFillingTasksWaitTwice() {
        runLoopTest { loop, _ in
            let barrier = try Barrier(parties: partiesN, loop: loop)
            let results = Box<[Bool]>([])
            _ = try await gather(loop, partiesN) {
                try await barrier.wait()
                results.value.append(true)
                try await barrier.wait()
                results.value.append(false)
            }
            XCTAssertEqual(results.value.count, 10)
            XCTAssertEqual(results.value.filter { $0 }.count, 5)
            XCTAssertEqual(results.value.filter { !$0 }.count, 5)
            XCTAssertEqual(barrier.nWaiting, 0)
            XCTAssertFalse(barrier.broken)
        }
    }

    // CPython test_locks.py: BarrierTests.test_filling_tasks_check_return_value
    func testFillingTasksCheckReturnValue() {
        runLoopTest { loop, _ in
            let barrier = try Barrier(parties: partiesN, loop: loop)
            let results1 = Box(0), results2 = Box(0)
            let indices = try await gather(loop, partiesN) {
                try await barrier.wait()
                results1.value += 1
                let index = try await barrier.wait()
                results2.value += 1
                return index
            }
            XCTAssertEqual(results1.value, 5)
            XCTAssertEqual(results2.value, 5)
            XCTAssertEqual(indices.sorted(), Array(0..<5))
            XCTAssertEqual(barrier.nWaiting, 0)
            XCTAssertFalse(barrier.broken)
        }
    }

    // CPython test_locks.py: BarrierTests.test_draining_state: every task but the last to
    // leave sees the barrier draining.
    func testDrainingState() {
        runLoopTest { loop, _ in
            let barrier = try Barrier(parties: partiesN, loop: loop)
            let results = Box<[Bool]>([])
            _ = try await gather(loop, partiesN) {
                try await barrier.wait()
                results.value.append(barrier.description.contains("draining"))
            }
            XCTAssertEqual(results.value, [true, true, true, true, false])
            XCTAssertEqual(barrier.nWaiting, 0)
            XCTAssertFalse(barrier.broken)
        }
    }

    // CPython test_locks.py: BarrierTests.test_blocking_tasks_while_draining: tasks that
    // come back while the barrier drains wait for the next round. It passes when the
    // second barrier was waited for exactly N - rewait times.
    func testBlockingTasksWhileDraining() {
        runLoopTest { loop, _ in
            let rewait = 2
            let barrier = try Barrier(parties: partiesN, loop: loop)
            let barrierNoWaiting = try Barrier(parties: partiesN - rewait, loop: loop)
            let rewaitLeft = Box(rewait)
            _ = try await gather(loop, partiesN) {
                try await barrier.wait()
                if rewaitLeft.value > 0 {
                    rewaitLeft.value -= 1
                    try await barrier.wait()
                } else {
                    try await barrierNoWaiting.wait()
                    try await barrier.wait()
                }
            }
            XCTAssertEqual(barrier.nWaiting, 0)
            XCTAssertEqual(barrierNoWaiting.nWaiting, 0)
        }
    }

    // CPython test_locks.py: BarrierTests.test_filling_tasks_cancel_one (cancellation
    // while waiting): the cancelled task is no longer counted.
    func testFillingTasksCancelOne() {
        runLoopTest { loop, _ in
            let barrier = try Barrier(parties: 3, loop: loop)
            let results = Box(0)
            nonisolated(nonsending) func passOnce() async throws {
                try await barrier.wait()
                results.value += 1
            }
            let t1 = loop.createTask { try await passOnce() }
            try await waitUntil(loop) { barrier.nWaiting == 1 }
            let t2 = loop.createTask { try await passOnce() }
            try await waitUntil(loop) { barrier.nWaiting == 2 }

            t1.cancel()
            await assertThrowsAsync(CancellationError.self) { try await t1.value }
            XCTAssertEqual(barrier.nWaiting, 1)

            let t3 = loop.createTask { try await passOnce() }
            try await waitUntil(loop) { barrier.nWaiting == 2 }
            let t4 = loop.createTask { try await passOnce() }
            for task in [t2, t3, t4] { try await task.value }
            XCTAssertEqual(results.value, 3)
            XCTAssertEqual(barrier.nWaiting, 0)
            XCTAssertFalse(barrier.broken)
        }
    }

    // CPython test_locks.py: BarrierTests.test_reset_barrier
    func testResetBarrier() {
        runLoopTest { loop, _ in
            let barrier = try Barrier(parties: 1, loop: loop)
            try await loop.createTask { try await barrier.reset() }.value
            XCTAssertEqual(barrier.nWaiting, 0)
            XCTAssertFalse(barrier.broken)
        }
    }

    // CPython test_locks.py: BarrierTests.test_reset_barrier_while_tasks_waiting
    func testResetBarrierWhileTasksWaiting() {
        runLoopTest { loop, _ in
            let barrier = try Barrier(parties: partiesN, loop: loop)
            let results = Box(0)
            let tasks = (0..<partiesN - 1).map { _ in
                loop.createTask {
                    do {
                        try await barrier.wait()
                    } catch is BrokenBarrierError {
                        results.value += 1
                    }
                }
            }
            try await waitUntil(loop) { barrier.nWaiting == 4 }
            loop.createTask { try await barrier.reset() }
            for task in tasks { try await task.value }
            XCTAssertEqual(results.value, 4)
            XCTAssertEqual(barrier.nWaiting, 0)
            XCTAssertFalse(barrier.description.contains("resetting"))
            XCTAssertFalse(barrier.broken)
        }
    }

    // CPython test_locks.py: BarrierTests.test_reset_barrier_when_tasks_half_draining
    func testResetBarrierWhenTasksHalfDraining() {
        runLoopTest { loop, _ in
            let barrier = try Barrier(parties: partiesN, loop: loop)
            let results1 = Box(0)
            let restOfTasks = partiesN / 2
            _ = try await gather(loop, partiesN) {
                do {
                    try await barrier.wait()
                    if barrier.tasksInside == restOfTasks {
                        try await barrier.reset()
                    }
                } catch is BrokenBarrierError {
                    results1.value += 1
                }
            }
            XCTAssertEqual(results1.value, restOfTasks)
            XCTAssertEqual(barrier.nWaiting, 0)
            XCTAssertFalse(barrier.description.contains("resetting"))
            XCTAssertFalse(barrier.broken)
        }
    }

    // CPython test_locks.py:
    // BarrierTests.test_reset_barrier_when_tasks_half_draining_half_blocking
    func testResetBarrierWhenTasksHalfDrainingHalfBlocking() {
        runLoopTest { loop, _ in
            let barrier = try Barrier(parties: partiesN, loop: loop)
            let results1 = Box(0), results2 = Box(0), count = Box(0)
            let blockingTasks = partiesN / 2
            _ = try await gather(loop, partiesN) {
                do {
                    try await barrier.wait()
                } catch is BrokenBarrierError {
                    // The tasks still waiting: wait again to make up the parties.
                    results1.value += 1
                    try await barrier.wait()
                    return
                }
                count.value += 1
                if count.value > blockingTasks {
                    // Reset now: the waiting tasks throw BrokenBarrierError.
                    try await barrier.reset()
                    try await barrier.wait()
                } else {
                    do {
                        try await barrier.wait()
                    } catch is BrokenBarrierError {
                        // Not reached: the blocked tasks go on to wait.
                        results2.value += 1
                    }
                }
            }
            XCTAssertEqual(results1.value, blockingTasks)
            XCTAssertEqual(results2.value, 0)
            XCTAssertEqual(barrier.nWaiting, 0)
            XCTAssertFalse(barrier.description.contains("resetting"))
            XCTAssertFalse(barrier.broken)
        }
    }

    // CPython test_locks.py:
    // BarrierTests.test_reset_barrier_while_tasks_waiting_and_waiting_again
    func testResetBarrierWhileTasksWaitingAndWaitingAgain() {
        runLoopTest { loop, _ in
            let barrier = try Barrier(parties: partiesN, loop: loop)
            let results1 = Box(0), results2 = Box(0)
            let tasks = (0..<partiesN - 1).map { _ in
                loop.createTask {
                    do {
                        try await barrier.wait()
                    } catch is BrokenBarrierError {
                        results1.value += 1
                    }
                    try await barrier.wait()
                    results2.value += 1
                }
            }
            try await waitUntil(loop) { barrier.nWaiting == 4 }
            loop.createTask { try await barrier.reset() }
            try await yieldToLoop(loop)
            // Completes the waiting tasks' second wait.
            loop.createTask {
                try await barrier.wait()
                results2.value += 1
            }
            for task in tasks { try await task.value }
            XCTAssertFalse(barrier.broken)
            XCTAssertEqual(results1.value, 4)
            try await waitUntil(loop) { results2.value == 5 }
            XCTAssertEqual(barrier.nWaiting, 0)
        }
    }

    // CPython test_locks.py: BarrierTests.test_reset_barrier_while_tasks_draining
    func testResetBarrierWhileTasksDraining() {
        runLoopTest { loop, _ in
            let parties = partiesN
            let barrier = try Barrier(parties: parties, loop: loop)
            let results1 = Box(0), results2 = Box(0), results3 = Box(0), count = Box(0)
            _ = try await gather(loop, parties) {
                try await barrier.wait()
                count.value += 1
                if count.value == parties {
                    // The last task out resets, then waits to make up the parties.
                    try await barrier.reset()
                    try await barrier.wait()
                } else {
                    do {
                        try await barrier.wait()
                        results1.value += 1
                    } catch {
                        results2.value += 1
                    }
                }
                // Once more: this wait must complete.
                try await barrier.wait()
                results3.value += 1
            }
            XCTAssertFalse(barrier.broken)
            XCTAssertEqual(results1.value, parties - 1)
            XCTAssertEqual(results2.value, 0)
            XCTAssertEqual(results3.value, parties)
            XCTAssertEqual(barrier.nWaiting, 0)
        }
    }

    // CPython test_locks.py: BarrierTests.test_abort_barrier
    func testAbortBarrier() {
        runLoopTest { loop, _ in
            let barrier = try Barrier(parties: 1, loop: loop)
            try await loop.createTask { try await barrier.abort() }.value
            XCTAssertEqual(barrier.nWaiting, 0)
            XCTAssertTrue(barrier.broken)
            do {
                try await barrier.wait()
                XCTFail("a broken barrier let a task through")
            } catch {
                XCTAssertEqual(error as? BrokenBarrierError, .aborted)
                XCTAssertEqual("\(error)", "Barrier aborted")
            }
        }
    }

    // CPython test_locks.py:
    // BarrierTests.test_abort_barrier_when_tasks_half_draining_half_blocking
    func testAbortBarrierWhenTasksHalfDrainingHalfBlocking() {
        runLoopTest { loop, _ in
            let parties = partiesN
            let barrier = try Barrier(parties: parties, loop: loop)
            let results1 = Box(0), results2 = Box(0), count = Box(0)
            let blockingTasks = parties / 2
            _ = try await gather(loop, parties) {
                do {
                    try await barrier.wait()
                } catch is BrokenBarrierError {
                    // The tasks waiting to drain.
                    results1.value += 1
                    return
                }
                count.value += 1
                if count.value > blockingTasks {
                    // Abort now: every task in the barrier throws.
                    try await barrier.abort()
                } else {
                    do {
                        try await barrier.wait()
                    } catch is BrokenBarrierError {
                        // The blocked tasks (already drained).
                        results2.value += 1
                    }
                }
            }
            XCTAssertTrue(barrier.broken)
            XCTAssertEqual(results1.value, blockingTasks)
            XCTAssertEqual(results2.value, parties - blockingTasks - 1)
            XCTAssertEqual(barrier.nWaiting, 0)
            XCTAssertFalse(barrier.description.contains("resetting"))
        }
    }

    // CPython test_locks.py: BarrierTests.test_abort_barrier_when_exception (from
    // threading's lock_tests.test_reset)
    func testAbortBarrierWhenException() {
        runLoopTest { loop, _ in
            struct Failure: Error {}
            let parties = partiesN
            let barrier = try Barrier(parties: parties, loop: loop)
            let results1 = Box(0), results2 = Box(0)
            _ = try await gather(loop, parties) {
                do {
                    let index = try await barrier.wait()
                    if index == parties / 2 { throw Failure() }
                    try await barrier.wait()
                    results1.value += 1
                } catch is BrokenBarrierError {
                    results2.value += 1
                } catch is Failure {
                    try await barrier.abort()
                }
            }
            XCTAssertTrue(barrier.broken)
            XCTAssertEqual(results1.value, 0)
            XCTAssertEqual(results2.value, parties - 1)
            XCTAssertEqual(barrier.nWaiting, 0)
        }
    }

    // CPython test_locks.py: BarrierTests.test_abort_barrier_when_exception_then_resetting
    // (from threading's lock_tests.test_abort_and_reset)
    func testAbortBarrierWhenExceptionThenResetting() {
        runLoopTest { loop, _ in
            struct Failure: Error {}
            let parties = partiesN
            let barrier1 = try Barrier(parties: parties, loop: loop)
            let barrier2 = try Barrier(parties: parties, loop: loop)
            let results1 = Box(0), results2 = Box(0), results3 = Box(0)
            _ = try await gather(loop, parties) {
                do {
                    let index = try await barrier1.wait()
                    if index == parties / 2 { throw Failure() }
                    try await barrier1.wait()
                    results1.value += 1
                } catch is BrokenBarrierError {
                    results2.value += 1
                } catch is Failure {
                    try await barrier1.abort()
                }
                // Everyone leaves barrier1 before the reset, and nobody enters it before.
                let index = try await barrier2.wait()
                if index == parties / 2 { try await barrier1.reset() }
                try await barrier2.wait()
                try await barrier1.wait()
                results3.value += 1
            }
            XCTAssertFalse(barrier1.broken)
            XCTAssertEqual(results1.value, 0)
            XCTAssertEqual(results2.value, parties - 1)
            XCTAssertEqual(results3.value, parties)
            XCTAssertEqual(barrier1.nWaiting, 0)
        }
    }
}

/// CPython's `self.N`, the parties of most barrier tests.
private let partiesN = 5

/// Runs `body` in `count` loop tasks at once and returns their results in task order
/// (CPython's `gather_tasks`).
private func gather<T: Sendable>(
    _ loop: isolated EventLoop, _ count: Int, _ body: nonisolated(nonsending) @escaping () async throws -> T
) async throws -> [T] {
    let tasks = (0..<count).map { _ in loop.createTask(body) }
    var results: [T] = []
    for task in tasks { results.append(try await task.value) }
    return results
}
