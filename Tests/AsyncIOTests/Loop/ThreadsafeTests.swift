@testable import AsyncIO
import XCTest

final class ThreadsafeTests: XCTestCase {
    // CPython: test_events.EventLoopTestsMixin.test_call_soon_threadsafe
    func testCallSoonThreadsafeFromFourThreadsLosesNothing() {
        runLoopTest { loop, _ in
            let perThread = 10_000
            let received = Box([Int](repeating: 0, count: 4))
            let lastSeen = Box([Int](repeating: -1, count: 4))
            let outOfOrder = Box(0)
            // Set through callSoonThreadsafe, on the loop: see MainActorTests (no Sendable
            // completion handle yet: docs/concurrency.md, "Status", point 6).
            nonisolated(unsafe) let done = loop.createFuture(of: Void.self)
            let total = Box(0)
            for t in 0..<4 {
                let thread = Thread {
                    for i in 0..<perThread {
                        loop.callSoonThreadsafe {
                            // From one thread, callbacks keep their order.
                            if lastSeen.value[t] != i - 1 { outOfOrder.value += 1 }
                            lastSeen.value[t] = i
                            received.value[t] += 1
                            total.value += 1
                            if total.value == 4 * perThread { try done.setResult(()) }
                        }
                    }
                }
                thread.start()
            }
            try await done.value
            XCTAssertEqual(received.value, [perThread, perThread, perThread, perThread])
            XCTAssertEqual(outOfOrder.value, 0)
        }
    }

    // CPython: test_tasks.RunCoroutineThreadsafeTests.test_run_coroutine_threadsafe
    func testRunCoroutineThreadsafeFromFourTasksOffTheLoop() {
        runLoopTest { loop, _ in
            let counter = Box(0)
            let perCaller = 10_000
            let results = try await loop.runInExecutor {
                // Four callers on the global executor's threads, far from the loop.
                let semaphore = DispatchSemaphore(value: 0)
                let sums = Locked([Int]())
                for _ in 0..<4 {
                    Task.detached {
                        var sum = 0
                        for i in 0..<perCaller {
                            sum += try await loop.runCoroutineThreadsafe { () -> Int in
                                precondition(loop.isOnLoopThread)
                                counter.value += 1
                                return i
                            }
                        }
                        sums.withLock { $0.append(sum) }
                        semaphore.signal()
                    }
                }
                for _ in 0..<4 { semaphore.wait() }
                return sums.current
            }
            XCTAssertEqual(results, Array(repeating: perCaller * (perCaller - 1) / 2, count: 4))
            XCTAssertEqual(counter.value, 4 * perCaller)
        }
    }

    func testStopFromAnotherThread() throws {
        let loop = try EventLoop()
        let started = DispatchSemaphore(value: 0)
        loop.assumeIsolated { loop in _ = loop.callSoon { started.signal() } }
        let thread = Thread {
            started.wait()
            loop.stop()
        }
        thread.start()
        try loop.runForever()
        XCTAssertFalse(loop.isRunning)
        try loop.close()
    }
}
