@testable import AsyncIO
import XCTest

/// CPython's test_locks.py LockTests, over a real loop.
///
/// Not ported, as they test Python only: test_lock's and test_lock_by_with_statement's
/// `await lock` / `with await lock` TypeErrors, and test_lock_doesnt_accept_loop_parameter
/// (here every primitive takes its loop explicitly, as `Queue` does).
final class LockTests: XCTestCase {
    // CPython test_locks.py: LockTests.test_repr (Swift has no id() to print)
    func testDescription() {
        runLoopTest { loop, _ in
            let lock = Lock(loop: loop)
            XCTAssertEqual(lock.description, "<Lock [unlocked]>")
            try await lock.acquire()
            XCTAssertEqual(lock.description, "<Lock [locked]>")
            let waiter = try await startedTask(loop) { try await lock.acquire() }
            XCTAssertEqual(lock.description, "<Lock [locked, waiters:1]>")
            try lock.release()
            try await waiter.value
        }
    }

    // CPython test_locks.py: LockTests.test_lock (the part that is not Python's TypeError)
    func testNewLockIsUnlocked() {
        runLoopTest { loop, _ in
            XCTAssertFalse(Lock(loop: loop).locked)
        }
    }

    // CPython test_locks.py: LockTests.test_acquire
    func testAcquire() {
        runLoopTest { loop, _ in
            let lock = Lock(loop: loop)
            let result = Box<[Int]>([])
            try await lock.acquire()
            let t1 = try await startedTask(loop) { try await lock.acquire(); result.value.append(1) }
            let t2 = try await startedTask(loop) { try await lock.acquire(); result.value.append(2) }
            XCTAssertEqual(result.value, [])

            try lock.release()
            try await waitUntil(loop) { !result.value.isEmpty }
            try await yieldToLoop(loop)
            XCTAssertEqual(result.value, [1], "one release lets one task in")

            // Made before the release, started after it: it waits behind t2.
            let t3 = loop.createTask { try await lock.acquire(); result.value.append(3) }
            try lock.release()
            try await waitUntil(loop) { result.value.count == 2 }
            XCTAssertEqual(result.value, [1, 2])

            try lock.release()
            try await waitUntil(loop) { result.value.count == 3 }
            XCTAssertEqual(result.value, [1, 2, 3])
            try await t1.value
            try await t2.value
            try await t3.value
            XCTAssertTrue(lock.locked)
        }
    }

    // CPython test_locks.py: LockTests.test_acquire_cancel (cancellation while waiting)
    func testAcquireCancel() {
        runLoopTest { loop, _ in
            let lock = Lock(loop: loop)
            try await lock.acquire()
            let task = try await startedTask(loop) { try await lock.acquire() }
            XCTAssertEqual(lock.waitingCount, 1)
            loop.callSoon { task.cancel() }
            await assertThrowsAsync(CancellationError.self) { try await task.value }
            XCTAssertEqual(lock.waitingCount, 0)
            XCTAssertTrue(lock.locked, "still held by the test, not by the cancelled task")
        }
    }

    // CPython test_locks.py: LockTests.test_cancel_race: A holds the lock, B and C wait;
    // B is cancelled as A releases; the lock must go to C.
    func testCancelRace() {
        runLoopTest { loop, _ in
            let lock = Lock(loop: loop)
            nonisolated(nonsending) func lockIt(_ blocker: Future<Void>?) async throws {
                try await lock.acquire()
                defer { try? lock.release() }
                try await blocker?.value
            }
            let blockerA = loop.createFuture(of: Void.self)
            let a = try await startedTask(loop) { try await lockIt(blockerA) }
            XCTAssertTrue(lock.locked)
            let b = try await startedTask(loop) { try await lockIt(nil) }
            XCTAssertEqual(lock.waitingCount, 1)
            let c = try await startedTask(loop) { try await lockIt(nil) }
            XCTAssertEqual(lock.waitingCount, 2)

            try blockerA.setResult(())
            b.cancel()
            XCTAssertEqual(lock.waitingCount, 1, "the cancelled waiter left the line at once")
            try await a.value
            await assertThrowsAsync(CancellationError.self) { try await b.value }
            try await c.value
            XCTAssertFalse(lock.locked)
        }
    }

    // CPython test_locks.py: LockTests.test_cancel_release_race (bpo-32734): three wait,
    // the first is cancelled as the lock is released; exactly one must get the lock.
    func testCancelReleaseRace() {
        runLoopTest { loop, _ in
            let lock = Lock(loop: loop)
            let lockCount = Box(0), callCount = Box(0)
            nonisolated(nonsending) func lockIt() async throws {
                callCount.value += 1
                try await lock.acquire()
                lockCount.value += 1
            }
            try await lock.acquire()
            let t1 = loop.createTask { try await lockIt() }
            let t2 = loop.createTask { try await lockIt() }
            let t3 = loop.createTask { try await lockIt() }
            try await waitUntil(loop) { lock.waitingCount == 3 }

            loop.callSoon {
                t1.cancel()
                try? lock.release()
            }
            await assertThrowsAsync(CancellationError.self) { try await t1.value }
            try await t2.value
            try await yieldToLoop(loop)
            XCTAssertEqual(lockCount.value, 1, "only one lock was taken")
            XCTAssertEqual(callCount.value, 3)

            t3.cancel()
            await assertThrowsAsync(CancellationError.self) { try await t3.value }
        }
    }

    // CPython test_locks.py: LockTests.test_finished_waiter_cancelled: a waiter is
    // cancelled as the lock is released; a newcomer must still get the lock.
    func testFinishedWaiterCancelled() {
        runLoopTest { loop, _ in
            let lock = Lock(loop: loop)
            try await lock.acquire()
            let b = try await startedTask(loop) { try await lock.acquire() }
            XCTAssertEqual(lock.waitingCount, 1)

            let c = loop.createTask { try await lock.acquire() }
            b.cancel()
            try lock.release()
            await assertThrowsAsync(CancellationError.self) { try await b.value }
            try await c.value
            XCTAssertTrue(lock.locked)
        }
    }

    // CPython test_locks.py: LockTests.test_cancel_race, the other order: B is woken by
    // the release, then cancelled before it runs. It must pass its turn to C rather than
    // take the lock or drop the wake-up.
    func testWokenWaiterCancelledPassesTheTurnOn() {
        runLoopTest { loop, _ in
            let lock = Lock(loop: loop)
            try await lock.acquire()
            let b = try await startedTask(loop) { try await lock.acquire() }
            let c = try await startedTask(loop) { try await lock.acquire() }
            try lock.release()
            XCTAssertTrue(lock.description.contains("waiters:2"), "B is woken, not yet running")
            b.cancel()
            await assertThrowsAsync(CancellationError.self) { try await b.value }
            try await c.value
            XCTAssertTrue(lock.locked, "C holds it")
            XCTAssertEqual(lock.waitingCount, 0)
        }
    }

    // A newcomer does not take a lock that was promised to a woken waiter (asyncio's
    // fast path needs every waiter cancelled; here the woken one has left the line).
    func testNewcomerWaitsBehindWokenWaiter() {
        runLoopTest { loop, _ in
            let lock = Lock(loop: loop)
            let order = Box<[String]>([])
            try await lock.acquire()
            let woken = try await startedTask(loop) {
                try await lock.acquire()
                order.value.append("woken")
                try lock.release()
            }
            try lock.release()
            try await lock.acquire()
            order.value.append("newcomer")
            try lock.release()
            try await woken.value
            XCTAssertEqual(order.value, ["woken", "newcomer"])
        }
    }

    // CPython test_locks.py: LockTests.test_release_not_acquired
    func testReleaseNotAcquired() {
        runLoopTest { loop, _ in
            XCTAssertThrowsError(try Lock(loop: loop).release()) { error in
                XCTAssertEqual(error as? LockUsageError, .lockNotAcquired)
                XCTAssertEqual("\(error)", "Lock is not acquired.")
            }
        }
    }

    // CPython test_locks.py: LockTests.test_release_no_waiters
    func testReleaseNoWaiters() {
        runLoopTest { loop, _ in
            let lock = Lock(loop: loop)
            try await lock.acquire()
            XCTAssertTrue(lock.locked)
            try lock.release()
            XCTAssertFalse(lock.locked)
        }
    }

    // CPython test_locks.py: LockTests.test_context_manager, and the lock is released
    // when the body throws
    func testWithLock() {
        runLoopTest { loop, _ in
            struct Failure: Error {}
            let lock = Lock(loop: loop)
            XCTAssertFalse(lock.locked)
            let value = try await lock.withLock {
                XCTAssertTrue(lock.locked)
                return 42
            }
            XCTAssertEqual(value, 42)
            XCTAssertFalse(lock.locked)
            await assertThrowsAsync(Failure.self) {
                try await lock.withLock { throw Failure() }
            }
            XCTAssertFalse(lock.locked, "released when the body threw")
        }
    }

    // CPython test_locks.py: LockTests.test_lock_by_with_statement (`async with` on each
    // primitive that has it; `with await lock` is Python-only)
    func testWithLockOnEveryLockable() {
        runLoopTest { loop, _ in
            let primitives: [any Lockable] = [
                Lock(loop: loop), Condition(loop: loop),
                try Semaphore(loop: loop), try BoundedSemaphore(loop: loop),
            ]
            func isLocked(_ primitive: any Lockable) -> Bool {
                switch primitive {
                case let lock as Lock: lock.locked
                case let condition as Condition: condition.locked
                // Glibc (through XCTest's Foundation) has a `Semaphore` typealias too.
                case let semaphore as AsyncIO.Semaphore: semaphore.locked
                case let semaphore as BoundedSemaphore: semaphore.locked
                default: false
                }
            }
            for primitive in primitives {
                XCTAssertFalse(isLocked(primitive), "\(primitive)")
                try await primitive.withLock { XCTAssertTrue(isLocked(primitive), "\(primitive)") }
                XCTAssertFalse(isLocked(primitive), "\(primitive)")
            }
        }
    }

    // README "Locks and events": a read-modify-write across an await, with at most two
    // workers inside at once, loses no update.
    func testReadmeExampleLosesNoUpdate() {
        runLoopTest { loop, _ in
            let start = Event(loop: loop)
            let slots = try Semaphore(value: 2, loop: loop)
            let lock = Lock(loop: loop)
            let balance = Box(0), inside = Box(0), mostInside = Box(0)
            let workers = (1...4).map { n in
                loop.createTask {
                    try await start.wait()
                    try await slots.withLock {
                        inside.value += 1
                        mostInside.value = max(mostInside.value, inside.value)
                        defer { inside.value -= 1 }
                        try await lock.withLock {
                            let seen = balance.value
                            try await loop.sleep(.milliseconds(1))
                            balance.value = seen + n
                        }
                    }
                }
            }
            start.set()
            for worker in workers { try await worker.value }
            XCTAssertEqual(balance.value, 10)
            XCTAssertEqual(mostInside.value, 2, "the semaphore let two in, not more")
        }
    }
}
