@testable import AsyncIO
import XCTest

/// CPython's test_locks.py ConditionTests, over a real loop.
///
/// test_ambiguous_loops is replaced by testConditionTakesItsLocksLoop: a condition made
/// from a lock takes that lock's loop, so the two cannot disagree. The "same exception
/// instance" halves of test_cancelled_error_wakeup and test_cancelled_error_re_aquire do
/// not apply (Swift's CancellationError carries no message or identity); their
/// behaviour (cancellation is thrown, with the lock held) is ported.
final class ConditionTests: XCTestCase {
    // CPython test_locks.py: ConditionTests.test_wait
    func testWait() {
        runLoopTest { loop, _ in
            let condition = Condition(loop: loop)
            let result = Box<[Int]>([])
            let tasks = (1...3).map { conditionWaiter(loop, condition, $0, result, release: false) }
            try await waitUntil(loop) { condition.waitingCount == 3 }
            XCTAssertEqual(result.value, [])
            XCTAssertFalse(condition.locked)

            try await condition.acquire()
            try condition.notify()
            try await yieldToLoop(loop)
            XCTAssertEqual(result.value, [], "notified, but the lock is still held")
            XCTAssertTrue(condition.locked)

            try condition.release()
            try await waitUntil(loop) { result.value == [1] }
            XCTAssertTrue(condition.locked, "t1 holds it again")

            try condition.notify(2)
            try await yieldToLoop(loop)
            XCTAssertEqual(result.value, [1])
            XCTAssertTrue(condition.locked)

            try condition.release()
            try await waitUntil(loop) { result.value == [1, 2] }
            XCTAssertTrue(condition.locked)

            try condition.release()
            try await waitUntil(loop) { result.value == [1, 2, 3] }
            XCTAssertTrue(condition.locked)
            for task in tasks {
                let finished = try await task.value
                XCTAssertTrue(finished)
            }
        }
    }

    // CPython test_locks.py: ConditionTests.test_wait_cancel (cancellation while waiting
    // to be notified): the cancelled wait throws with the lock held again.
    func testWaitCancel() {
        runLoopTest { loop, _ in
            let condition = Condition(loop: loop)
            try await condition.acquire()
            let wait = try await startedTask(loop) {
                do {
                    try await condition.wait()
                } catch {
                    XCTAssertTrue(condition.locked, "re-acquired before throwing")
                    throw error
                }
            }
            XCTAssertEqual(condition.waitingCount, 1)
            XCTAssertFalse(condition.locked, "wait released the lock")
            loop.callSoon { wait.cancel() }
            await assertThrowsAsync(CancellationError.self) { try await wait.value }
            XCTAssertEqual(condition.waitingCount, 0)
            XCTAssertTrue(condition.locked)
        }
    }

    // CPython test_locks.py: ConditionTests.test_wait_cancel_contested: notified, then
    // cancelled while the lock is contested; the wait ends holding the lock.
    func testWaitCancelContested() {
        runLoopTest { loop, _ in
            let condition = Condition(loop: loop)
            try await condition.acquire()
            XCTAssertTrue(condition.locked)
            let waitTask = try await startedTask(loop) { try await condition.wait() }
            XCTAssertFalse(condition.locked)

            try await condition.acquire()
            XCTAssertTrue(condition.locked)
            try condition.notify()
            loop.callSoon { waitTask.cancel() }
            loop.callSoon { try? condition.release() }
            do {
                try await waitTask.value
            } catch is CancellationError {
                // As in asyncio, either outcome is right; the lock is what matters.
            }
            XCTAssertTrue(condition.locked)
        }
    }

    // CPython test_locks.py: ConditionTests.test_wait_cancel_after_notify (bpo-32841):
    // cancelled while re-acquiring after a notify.
    func testWaitCancelAfterNotify() {
        runLoopTest { loop, _ in
            let condition = Condition(loop: loop)
            let waited = Box(false)
            let waiter = try await startedTask(loop) {
                try await condition.withLock {
                    waited.value = true
                    try await condition.wait()
                }
            }
            try await condition.acquire()
            try condition.notify()
            try await yieldToLoop(loop)
            XCTAssertEqual(condition.lock.waitingCount, 1, "the waiter waits for the lock")
            waiter.cancel()
            try await yieldToLoop(loop)
            try condition.release()
            await assertThrowsAsync(CancellationError.self) { try await waiter.value }
            XCTAssertTrue(waited.value)
            XCTAssertFalse(condition.locked, "withLock released it after the wait threw")
        }
    }

    // CPython test_locks.py: ConditionTests.test_wait_unacquired
    func testWaitUnacquired() {
        runLoopTest { loop, _ in
            let condition = Condition(loop: loop)
            do {
                try await condition.wait()
                XCTFail("wait without the lock returned")
            } catch {
                XCTAssertEqual(error as? LockUsageError, .waitOnUnacquiredLock)
                XCTAssertEqual("\(error)", "cannot wait on un-acquired lock")
            }
        }
    }

    // CPython test_locks.py: ConditionTests.test_wait_for
    func testWaitFor() {
        runLoopTest { loop, _ in
            let condition = Condition(loop: loop)
            let predicate = Box(false)
            let result = Box<[Int]>([])
            let task = try await startedTask(loop) {
                try await condition.acquire()
                try await condition.waitFor { predicate.value }
                result.value.append(1)
                try condition.release()
                return true
            }
            XCTAssertEqual(result.value, [])

            try await condition.acquire()
            try condition.notify()
            try condition.release()
            try await yieldToLoop(loop)
            XCTAssertEqual(result.value, [], "woken, but the predicate is false")
            XCTAssertEqual(condition.waitingCount, 1, "waiting again")

            predicate.value = true
            try await condition.acquire()
            try condition.notify()
            try condition.release()
            let finished = try await task.value
            XCTAssertTrue(finished)
            XCTAssertEqual(result.value, [1])
        }
    }

    // CPython test_locks.py: ConditionTests.test_wait_for_unacquired (asyncio returns the
    // predicate's value; a Swift predicate is a Bool)
    func testWaitForUnacquired() {
        runLoopTest { loop, _ in
            let condition = Condition(loop: loop)
            try await condition.waitFor { true }   // true at once: no lock needed
            do {
                try await condition.waitFor { false }
                XCTFail("waitFor without the lock returned")
            } catch {
                XCTAssertEqual(error as? LockUsageError, .waitOnUnacquiredLock)
            }
        }
    }

    // CPython test_locks.py: ConditionTests.test_notify
    func testNotify() {
        runLoopTest { loop, _ in
            let condition = Condition(loop: loop)
            let result = Box<[Int]>([])
            let tasks = (1...3).map { conditionWaiter(loop, condition, $0, result, release: true) }
            try await waitUntil(loop) { condition.waitingCount == 3 }
            XCTAssertEqual(result.value, [])

            try await condition.acquire()
            try condition.notify(1)
            try condition.release()
            try await waitUntil(loop) { !result.value.isEmpty }
            try await yieldToLoop(loop)
            XCTAssertEqual(result.value, [1])

            try await condition.acquire()
            try condition.notify(1)
            try condition.notify(2048)
            try condition.release()
            for task in tasks {
                let finished = try await task.value
                XCTAssertTrue(finished)
            }
            XCTAssertEqual(result.value, [1, 2, 3])
        }
    }

    // CPython test_locks.py: ConditionTests.test_notify_all
    func testNotifyAll() {
        runLoopTest { loop, _ in
            let condition = Condition(loop: loop)
            let result = Box<[Int]>([])
            let tasks = (1...2).map { conditionWaiter(loop, condition, $0, result, release: true) }
            try await waitUntil(loop) { condition.waitingCount == 2 }
            XCTAssertEqual(result.value, [])

            try await condition.acquire()
            try condition.notifyAll()
            try condition.release()
            for task in tasks {
                let finished = try await task.value
                XCTAssertTrue(finished)
            }
            XCTAssertEqual(result.value, [1, 2])
        }
    }

    // CPython test_locks.py: ConditionTests.test_notify_unacquired and
    // test_notify_all_unacquired
    func testNotifyUnacquired() {
        runLoopTest { loop, _ in
            let condition = Condition(loop: loop)
            for notify in [{ try condition.notify() }, { try condition.notifyAll() }] {
                XCTAssertThrowsError(try notify()) { error in
                    XCTAssertEqual(error as? LockUsageError, .notifyOnUnacquiredLock)
                    XCTAssertEqual("\(error)", "cannot notify on un-acquired lock")
                }
            }
        }
    }

    // CPython test_locks.py: ConditionTests.test_repr (real waiting tasks instead of mocks
    // pushed into _waiters)
    func testDescription() {
        runLoopTest { loop, _ in
            let condition = Condition(loop: loop)
            XCTAssertEqual(condition.description, "<Condition [unlocked]>")
            try await condition.acquire()
            XCTAssertEqual(condition.description, "<Condition [locked]>")
            let result = Box<[Int]>([])
            let tasks = (1...2).map { conditionWaiter(loop, condition, $0, result, release: true) }
            try condition.release()
            try await waitUntil(loop) { condition.waitingCount == 2 }
            XCTAssertEqual(condition.description, "<Condition [unlocked, waiters:2]>")
            try await condition.acquire()
            try condition.notifyAll()
            try condition.release()
            for task in tasks { _ = try await task.value }
        }
    }

    // CPython test_locks.py: ConditionTests.test_context_manager
    func testWithLock() {
        runLoopTest { loop, _ in
            let condition = Condition(loop: loop)
            XCTAssertFalse(condition.locked)
            try await condition.withLock { XCTAssertTrue(condition.locked) }
            XCTAssertFalse(condition.locked)
        }
    }

    // CPython test_locks.py: ConditionTests.test_explicit_lock
    func testExplicitLock() {
        runLoopTest { loop, _ in
            nonisolated(nonsending) func check(_ lock: Lock, _ condition: Condition) async throws {
                XCTAssertTrue(condition.lock === lock)
                XCTAssertFalse(lock.locked)
                XCTAssertFalse(condition.locked)
                try await condition.withLock {
                    XCTAssertTrue(lock.locked)
                    XCTAssertTrue(condition.locked)
                }
                XCTAssertFalse(lock.locked)
                XCTAssertFalse(condition.locked)
                try await lock.withLock {
                    XCTAssertTrue(lock.locked)
                    XCTAssertTrue(condition.locked)
                }
                XCTAssertFalse(lock.locked)
                XCTAssertFalse(condition.locked)
            }
            let own = Condition(loop: loop)
            try await check(own.lock, own)
            let lock = Lock(loop: loop)
            try await check(lock, Condition(lock: lock))
        }
    }

    // CPython test_locks.py: ConditionTests.test_ambiguous_loops, by construction: a
    // condition made from a lock is on the lock's loop.
    func testConditionTakesItsLocksLoop() {
        runLoopTest { loop, _ in
            let lock = Lock(loop: loop)
            XCTAssertTrue(Condition(lock: lock).loop === lock.loop)
            XCTAssertTrue(Condition(loop: loop).loop === loop)
        }
    }

    // CPython test_locks.py: ConditionTests.test_timeout_in_block
    func testTimeoutInBlock() {
        runLoopTest { loop, _ in
            let condition = Condition(loop: loop)
            try await condition.withLock {
                await assertThrowsAsync(TimeoutError.self) {
                    try await withTimeout(.milliseconds(50)) { try await condition.wait() }
                }
                XCTAssertTrue(condition.locked, "the timed-out wait re-acquired the lock")
            }
            XCTAssertFalse(condition.locked)
        }
    }

    // CPython test_locks.py: ConditionTests.test_cancelled_error_wakeup: cancelled while
    // waiting in waitFor; the task catches CancellationError with the lock held.
    func testCancelledErrorWakeup() {
        runLoopTest { loop, _ in
            let condition = Condition(loop: loop)
            let heldWhenCaught = Box(false)
            let task = try await startedTask(loop) {
                try await waitForRecordingTheLock(condition, heldWhenCaught) { false }
            }
            task.cancel()
            await assertThrowsAsync(CancellationError.self) { try await task.value }
            XCTAssertTrue(heldWhenCaught.value)
            XCTAssertFalse(condition.locked)
        }
    }

    // CPython test_locks.py: ConditionTests.test_cancelled_error_re_aquire: notified, then
    // cancelled while re-acquiring the lock.
    func testCancelledErrorReacquire() {
        runLoopTest { loop, _ in
            let condition = Condition(loop: loop)
            let wake = Box(false)
            let heldWhenCaught = Box(false)
            let task = try await startedTask(loop) {
                try await waitForRecordingTheLock(condition, heldWhenCaught) { wake.value }
            }
            try await condition.acquire()
            wake.value = true
            try condition.notify()
            try await yieldToLoop(loop)
            XCTAssertEqual(condition.lock.waitingCount, 1, "the task is re-acquiring the lock")
            task.cancel()
            try condition.release()
            await assertThrowsAsync(CancellationError.self) { try await task.value }
            XCTAssertTrue(heldWhenCaught.value)
        }
    }

    // CPython test_locks.py: ConditionTests.test_cancelled_wakeup: a consumer notified and
    // cancelled before it runs passes the notification on; the other consumer takes the
    // item. (asyncio's test waits on the condition with a 10 ms timeout, which always
    // expires since nobody notifies it; here the test waits for the state instead.)
    func testCancelledWakeup() {
        runLoopTest { loop, _ in
            let condition = Condition(loop: loop)
            let state = Box(0)
            let tasks = consumers(loop, condition, state)
            try await waitUntil(loop) { condition.waitingCount == 2 }
            try await condition.withLock {
                state.value += 1
                try condition.notify(1)
                tasks[0].cancel()
            }
            try await waitUntil(loop) { state.value == 0 }
            try await condition.withLock {
                state.value = -1
                try condition.notifyAll()
            }
            try await tasks[1].value
            await assertThrowsAsync(CancellationError.self) { try await tasks[0].value }
        }
    }

    // CPython test_locks.py: ConditionTests.test_cancelled_wakeup_relock: the same, with
    // the consumer cancelled while it waits to re-acquire the lock.
    func testCancelledWakeupRelock() {
        runLoopTest { loop, _ in
            let condition = Condition(loop: loop)
            let state = Box(0)
            let tasks = consumers(loop, condition, state)
            try await waitUntil(loop) { condition.waitingCount == 2 }
            try await condition.withLock {
                state.value += 1
                try condition.notify(1)
                try await waitUntil(loop) { condition.lock.waitingCount == 1 }
                tasks[0].cancel()
            }
            try await waitUntil(loop) { state.value == 0 }
            try await condition.withLock {
                state.value = -1
                try condition.notifyAll()
            }
            try await tasks[1].value
            await assertThrowsAsync(CancellationError.self) { try await tasks[0].value }
        }
    }
}

/// Starts a task that acquires `condition`, waits on it and, once notified, records
/// `tag` (and releases the lock if `release`).
private func conditionWaiter(
    _ loop: isolated EventLoop, _ condition: Condition, _ tag: Int, _ result: Box<[Int]>,
    release: Bool
) -> Task<Bool, any Error> {
    loop.createTask {
        try await condition.acquire()
        try await condition.wait()
        result.value.append(tag)
        if release { try condition.release() }
        return true
    }
}

/// Two consumers of `state` under `condition`, as in test_cancelled_wakeup: each
/// takes one unit per wake-up and returns when `state` goes negative.
private func consumers(
    _ loop: isolated EventLoop, _ condition: Condition, _ state: Box<Int>
) -> [Task<Void, any Error>] {
    (0..<2).map { _ in
        loop.createTask {
            try await condition.withLock {
                while true {
                    try await condition.waitFor { state.value != 0 }
                    if state.value < 0 { return }
                    state.value -= 1
                }
            }
        }
    }
}

/// `async with condition: await condition.wait_for(predicate)`, recording in
/// `heldWhenCaught` whether the lock was held when an error came out of the wait.
nonisolated(nonsending) private func waitForRecordingTheLock(
    _ condition: Condition, _ heldWhenCaught: Box<Bool>, _ predicate: () -> Bool
) async throws {
    try await condition.withLock {
        do {
            try await condition.waitFor(predicate)
        } catch {
            heldWhenCaught.value = condition.locked
            throw error
        }
    }
}
