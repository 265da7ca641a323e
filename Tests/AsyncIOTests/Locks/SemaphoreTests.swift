@testable import AsyncIO
import XCTest

/// CPython's test_locks.py SemaphoreTests (which also cover BoundedSemaphore), over a
/// real loop.
///
/// Not ported, as it tests Python only: test_semaphore's `await sem` TypeError.
final class SemaphoreTests: XCTestCase {
    // CPython test_locks.py: SemaphoreTests.test_initial_value_zero
    func testInitialValueZero() {
        runLoopTest { loop, _ in
            XCTAssertTrue(try Semaphore(value: 0, loop: loop).locked)
        }
    }

    // CPython test_locks.py: SemaphoreTests.test_repr (real waiting tasks instead of mocks
    // pushed into _waiters)
    func testDescription() {
        runLoopTest { loop, _ in
            let semaphore = try Semaphore(loop: loop)
            XCTAssertEqual(semaphore.description, "<Semaphore [unlocked, value:1]>")
            try await semaphore.acquire()
            XCTAssertEqual(semaphore.description, "<Semaphore [locked]>")
            let first = try await startedTask(loop) { try await semaphore.acquire() }
            XCTAssertEqual(semaphore.description, "<Semaphore [locked, waiters:1]>")
            let second = try await startedTask(loop) { try await semaphore.acquire() }
            XCTAssertEqual(semaphore.description, "<Semaphore [locked, waiters:2]>")
            semaphore.release()
            semaphore.release()
            try await first.value
            try await second.value
            XCTAssertEqual(try BoundedSemaphore(value: 2, loop: loop).description,
                           "<BoundedSemaphore [unlocked, value:2]>")
        }
    }

    // CPython test_locks.py: SemaphoreTests.test_semaphore (the part that is not Python's
    // TypeError)
    func testSemaphore() {
        runLoopTest { loop, _ in
            let semaphore = try Semaphore(loop: loop)
            XCTAssertEqual(semaphore.value, 1)
            XCTAssertFalse(semaphore.locked)
        }
    }

    // CPython test_locks.py: SemaphoreTests.test_semaphore_value
    func testSemaphoreValue() {
        runLoopTest { loop, _ in
            XCTAssertThrowsError(try Semaphore(value: -1, loop: loop)) { error in
                XCTAssertEqual(error as? LockUsageError, .negativeSemaphoreValue(-1))
                XCTAssertEqual("\(error)", "Semaphore initial value must be >= 0, not -1")
            }
            XCTAssertThrowsError(try BoundedSemaphore(value: -1, loop: loop)) { error in
                XCTAssertEqual(error as? LockUsageError, .negativeSemaphoreValue(-1))
            }
        }
    }

    // CPython test_locks.py: SemaphoreTests.test_acquire
    func testAcquire() {
        runLoopTest { loop, _ in
            let semaphore = try Semaphore(value: 3, loop: loop)
            let result = Box<[Int]>([])
            try await semaphore.acquire()
            try await semaphore.acquire()
            XCTAssertFalse(semaphore.locked)

            nonisolated(nonsending) func take(_ tag: Int) async throws {
                try await semaphore.acquire()
                result.value.append(tag)
            }
            let t1 = loop.createTask { try await take(1) }
            let t2 = loop.createTask { try await take(2) }
            let t3 = loop.createTask { try await take(3) }
            try await waitUntil(loop) { semaphore.waitingCount == 2 }
            XCTAssertEqual(result.value, [1])
            XCTAssertTrue(semaphore.locked)
            XCTAssertEqual(semaphore.value, 0)

            let t4 = loop.createTask { try await take(4) }
            semaphore.release()
            semaphore.release()
            XCTAssertEqual(semaphore.value, 0, "both slots are promised to woken waiters")

            try await waitUntil(loop) { result.value.count == 3 && semaphore.waitingCount == 1 }
            XCTAssertTrue(semaphore.locked)
            XCTAssertEqual(semaphore.value, 0)
            try await t1.value
            XCTAssertEqual(result.value.first, 1)
            XCTAssertEqual(Set(result.value.dropFirst()).count, 2, "two of t2, t3, t4 got in")

            semaphore.release()
            for task in [t2, t3, t4] { try await task.value }
            XCTAssertEqual(result.value.sorted(), [1, 2, 3, 4])
        }
    }

    // CPython test_locks.py: SemaphoreTests.test_acquire_cancel (cancellation while
    // waiting)
    func testAcquireCancel() {
        runLoopTest { loop, _ in
            let semaphore = try Semaphore(loop: loop)
            try await semaphore.acquire()
            let acquire = try await startedTask(loop) { try await semaphore.acquire() }
            XCTAssertEqual(semaphore.waitingCount, 1)
            loop.callSoon { acquire.cancel() }
            await assertThrowsAsync(CancellationError.self) { try await acquire.value }
            XCTAssertEqual(semaphore.waitingCount, 0)
            XCTAssertEqual(semaphore.value, 0, "the test still holds the only slot")
        }
    }

    // CPython test_locks.py: SemaphoreTests.test_acquire_cancel_before_awoken
    func testAcquireCancelBeforeAwoken() {
        runLoopTest { loop, _ in
            let semaphore = try Semaphore(value: 0, loop: loop)
            let done = Box<Set<Int>>([])
            var tasks: [Task<Void, any Error>] = []
            for tag in 1...4 {
                tasks.append(loop.createTask {
                    try await semaphore.acquire()
                    done.value.insert(tag)
                })
            }
            try await waitUntil(loop) { semaphore.waitingCount == 4 }

            tasks[0].cancel()
            tasks[1].cancel()
            semaphore.release()
            try await tasks[2].value
            try await yieldToLoop(loop)
            XCTAssertEqual(done.value, [3], "the slot went to t3, not lost with t1 or t2")

            tasks[3].cancel()
            for task in [tasks[0], tasks[1], tasks[3]] {
                await assertThrowsAsync(CancellationError.self) { try await task.value }
            }
        }
    }

    // CPython test_locks.py: SemaphoreTests.test_acquire_hang
    func testAcquireHang() {
        runLoopTest { loop, _ in
            let semaphore = try Semaphore(value: 0, loop: loop)
            let t1 = try await startedTask(loop) { try await semaphore.acquire() }
            let t2 = try await startedTask(loop) { try await semaphore.acquire() }
            t1.cancel()
            semaphore.release()
            try await t2.value
            XCTAssertTrue(semaphore.locked)
            await assertThrowsAsync(CancellationError.self) { try await t1.value }
        }
    }

    // CPython test_locks.py: SemaphoreTests.test_acquire_no_hang: a waiter woken and then
    // cancelled gives its slot back. (The holder waits until the other task waits rather
    // than sleeping once: a Swift task cancelled before it starts still runs its body.)
    func testAcquireNoHang() {
        runLoopTest { loop, _ in
            let semaphore = try Semaphore(value: 1, loop: loop)
            let second = Box<Task<Void, any Error>?>(nil)
            let t1 = loop.createTask {
                try await semaphore.withLock {
                    try await waitUntil(loop) { semaphore.waitingCount == 1 }
                }
                second.value?.cancel()
            }
            let t2 = loop.createTask {
                try await semaphore.withLock { XCTFail("the cancelled task got the slot") }
            }
            second.value = t2
            try await t1.value
            await assertThrowsAsync(CancellationError.self) { try await t2.value }
            try await withTimeout(.seconds(10)) { try await semaphore.acquire() }
        }
    }

    // CPython test_locks.py: SemaphoreTests.test_release_not_acquired
    func testReleaseNotAcquired() {
        runLoopTest { loop, _ in
            XCTAssertThrowsError(try BoundedSemaphore(loop: loop).release()) { error in
                XCTAssertEqual(error as? LockUsageError, .boundedSemaphoreReleasedTooManyTimes)
                XCTAssertEqual("\(error)", "BoundedSemaphore released too many times")
            }
        }
    }

    // CPython test_locks.py: SemaphoreTests.test_release_no_waiters
    func testReleaseNoWaiters() {
        runLoopTest { loop, _ in
            let semaphore = try Semaphore(loop: loop)
            try await semaphore.acquire()
            XCTAssertTrue(semaphore.locked)
            semaphore.release()
            XCTAssertFalse(semaphore.locked)
        }
    }

    // CPython test_locks.py: SemaphoreTests.test_acquire_fifo_order (the test holds the
    // slot until all three wait, and they yield instead of sleeping 10 ms, so the order
    // does not depend on how fast tasks start)
    func testAcquireFIFOOrder() {
        runLoopTest { loop, _ in
            let semaphore = try Semaphore(value: 1, loop: loop)
            let result = Box<[String]>([])
            nonisolated(nonsending) func twice(_ tag: String) async throws {
                for round in 1...2 {
                    try await semaphore.acquire()
                    result.value.append("\(tag)_\(round)")
                    try await yieldToLoop(loop)
                    semaphore.release()
                }
            }
            try await semaphore.acquire()
            let tasks = ["c1", "c2", "c3"].map { tag in loop.createTask { try await twice(tag) } }
            try await waitUntil(loop) { semaphore.waitingCount == 3 }
            semaphore.release()
            for task in tasks { try await task.value }
            XCTAssertEqual(result.value, ["c1_1", "c2_1", "c3_1", "c1_2", "c2_2", "c3_2"])
        }
    }

    // CPython test_locks.py: SemaphoreTests.test_acquire_fifo_order_2: a task that
    // releases and re-acquires waits behind the woken ones.
    func testAcquireFIFOOrder2() {
        runLoopTest { loop, _ in
            let semaphore = try Semaphore(value: 1, loop: loop)
            let result = Box<[Int]>([])
            let t1 = loop.createTask {
                try await semaphore.acquire()
                result.value.append(1)
            }
            let t2 = loop.createTask {
                try await semaphore.acquire()
                result.value.append(2)
                semaphore.release()
                try await semaphore.acquire()
                result.value.append(4)
            }
            let t3 = loop.createTask {
                try await semaphore.acquire()
                result.value.append(3)
            }
            try await waitUntil(loop) { semaphore.waitingCount == 2 }
            semaphore.release()
            semaphore.release()
            for task in [t1, t2, t3] { try await task.value }
            XCTAssertEqual(result.value, [1, 2, 3, 4])
        }
    }

    // CPython test_locks.py: SemaphoreTests.test_acquire_fifo_order_3: a cancelled waiter
    // takes no slot.
    func testAcquireFIFOOrder3() {
        runLoopTest { loop, _ in
            let semaphore = try Semaphore(value: 0, loop: loop)
            let result = Box<[Int]>([])
            let tasks = (1...3).map { tag in
                loop.createTask {
                    try await semaphore.acquire()
                    result.value.append(tag)
                }
            }
            try await waitUntil(loop) { semaphore.waitingCount == 3 }
            tasks[0].cancel()
            try await yieldToLoop(loop)
            semaphore.release()
            semaphore.release()
            await assertThrowsAsync(CancellationError.self) { try await tasks[0].value }
            try await tasks[1].value
            try await tasks[2].value
            XCTAssertEqual(result.value, [2, 3])
        }
    }

    // CPython test_locks.py: SemaphoreTests.test_acquire_fifo_order_4: a successful
    // acquire wakes the tasks that had to wait behind it for FIFO's sake.
    func testAcquireFIFOOrder4() {
        runLoopTest { loop, _ in
            let semaphore = try Semaphore(value: 0, loop: loop)
            let result = Box<[Int]>([])
            let fourth = Box<Task<Void, any Error>?>(nil)
            let t1 = try await startedTask(loop) {
                XCTAssertEqual(semaphore.value, 0)
                try await semaphore.acquire()
                XCTAssertEqual(semaphore.value, 0, "the two other waiters were woken")
                // Made now, it runs after t3, not between t2 and t3.
                fourth.value = loop.createTask { result.value.append(4) }
                result.value.append(1)
            }
            let t2 = loop.createTask {
                semaphore.release()
                semaphore.release()
                semaphore.release()
                XCTAssertEqual(semaphore.value, 2)
                XCTAssertTrue(semaphore.locked, "t1 was woken but has not run yet")
                try await semaphore.acquire()
                result.value.append(2)
            }
            let t3 = loop.createTask {
                try await semaphore.acquire()
                XCTAssertTrue(semaphore.locked)
                result.value.append(3)
            }
            for task in [t1, t2, t3] { try await task.value }
            try await fourth.value?.value
            XCTAssertEqual(result.value, [1, 2, 3, 4])
        }
    }

    // A BoundedSemaphore waiter cancelled while it waits takes no slot and leaves the
    // count as it was (BoundedSemaphore shares Semaphore's tests in CPython; this is its
    // own cancellation case).
    func testBoundedSemaphoreAcquireCancel() {
        runLoopTest { loop, _ in
            let semaphore = try BoundedSemaphore(value: 1, loop: loop)
            try await semaphore.acquire()
            let waiter = try await startedTask(loop) { try await semaphore.acquire() }
            waiter.cancel()
            await assertThrowsAsync(CancellationError.self) { try await waiter.value }
            try semaphore.release()
            XCTAssertEqual(semaphore.value, 1)
            XCTAssertThrowsError(try semaphore.release()) { error in
                XCTAssertEqual(error as? LockUsageError, .boundedSemaphoreReleasedTooManyTimes)
            }
        }
    }
}
