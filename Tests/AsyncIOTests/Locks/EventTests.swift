@testable import AsyncIO
import XCTest

/// CPython's test_locks.py EventTests, over a real loop.
final class EventTests: XCTestCase {
    // CPython test_locks.py: EventTests.test_repr (a real waiting task instead of a mock
    // pushed into _waiters)
    func testDescription() {
        runLoopTest { loop, _ in
            let event = Event(loop: loop)
            XCTAssertEqual(event.description, "<Event [unset]>")
            let waiter = try await startedTask(loop) { try await event.wait() }
            XCTAssertEqual(event.description, "<Event [unset, waiters:1]>")
            event.set()
            XCTAssertEqual(event.description, "<Event [set]>")
            try await waiter.value
        }
    }

    // CPython test_locks.py: EventTests.test_wait. asyncio's order is [3, 1, 2] because
    // its third task, started after the set, runs before the woken ones; here a task's
    // first step takes longer than a wake-up, so only the woken ones' order is fixed.
    func testWait() {
        runLoopTest { loop, _ in
            let event = Event(loop: loop)
            XCTAssertFalse(event.isSet)
            let result = Box<[Int]>([])
            let t1 = try await startedTask(loop) { try await event.wait(); result.value.append(1) }
            let t2 = try await startedTask(loop) { try await event.wait(); result.value.append(2) }
            XCTAssertEqual(result.value, [])

            let t3 = loop.createTask { try await event.wait(); result.value.append(3) }
            event.set()
            try await t1.value
            try await t2.value
            try await t3.value
            XCTAssertEqual(result.value.sorted(), [1, 2, 3])
            XCTAssertLessThan(result.value.firstIndex(of: 1)!, result.value.firstIndex(of: 2)!,
                              "woken in the order they waited")
        }
    }

    // CPython test_locks.py: EventTests.test_wait_on_set
    func testWaitOnSet() {
        runLoopTest { loop, _ in
            let event = Event(loop: loop)
            event.set()
            try await event.wait()
            XCTAssertTrue(event.isSet)
        }
    }

    // CPython test_locks.py: EventTests.test_wait_cancel (cancellation while waiting)
    func testWaitCancel() {
        runLoopTest { loop, _ in
            let event = Event(loop: loop)
            let wait = try await startedTask(loop) { try await event.wait() }
            XCTAssertEqual(event.waitingCount, 1)
            loop.callSoon { wait.cancel() }
            await assertThrowsAsync(CancellationError.self) { try await wait.value }
            XCTAssertEqual(event.waitingCount, 0)
        }
    }

    // A cancelled waiter does not disturb the others: they are still woken by set().
    func testWaitCancelLeavesOthersWaiting() {
        runLoopTest { loop, _ in
            let event = Event(loop: loop)
            let first = try await startedTask(loop) { try await event.wait() }
            let second = try await startedTask(loop) { try await event.wait() }
            first.cancel()
            await assertThrowsAsync(CancellationError.self) { try await first.value }
            XCTAssertEqual(event.waitingCount, 1)
            event.set()
            try await second.value
        }
    }

    // CPython test_locks.py: EventTests.test_clear
    func testClear() {
        runLoopTest { loop, _ in
            let event = Event(loop: loop)
            XCTAssertFalse(event.isSet)
            event.set()
            XCTAssertTrue(event.isSet)
            event.clear()
            XCTAssertFalse(event.isSet)
        }
    }

    // CPython test_locks.py: EventTests.test_clear_with_waiters: a waiter woken by set()
    // returns even though clear() came before it ran. (asyncio still counts it in
    // _waiters until it runs; here woken waiters leave the line at once.)
    func testClearWithWaiters() {
        runLoopTest { loop, _ in
            let event = Event(loop: loop)
            let result = Box<[Int]>([])
            let task = try await startedTask(loop) {
                try await event.wait()
                result.value.append(1)
                return true
            }
            XCTAssertEqual(result.value, [])

            event.set()
            event.clear()
            XCTAssertFalse(event.isSet)
            event.set()
            event.set()
            XCTAssertEqual(event.waitingCount, 0, "woken once, by the first set")

            let finished = try await task.value
            XCTAssertTrue(finished)
            XCTAssertEqual(result.value, [1])
        }
    }
}
