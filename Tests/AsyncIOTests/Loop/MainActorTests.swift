@testable import AsyncIO
import Foundation
import XCTest

/// The main actor and loops, and `EventLoop.run`'s bounded wait for cancelled tasks.
///
/// asyncio has no main actor, so most of these have no CPython counterpart. XCTest on
/// Linux runs test methods on the main thread (checked in each test that relies on it),
/// so `runLoopTest` loops here run on the main thread.
final class MainActorTests: XCTestCase {
    // MARK: A loop on the main thread runs the main actor's jobs

    func testMainActorRunFromALoopTaskOnTheMainThreadReturns() {
        XCTAssertTrue(Thread.isMainThread, "XCTest runs test methods on the main thread")
        runLoopTest(timeout: .seconds(10)) { loop, _ in
            XCTAssertTrue(Thread.isMainThread)
            let task = loop.createTask { () -> Int in
                let value = await MainActor.run { () -> Int in
                    MainActor.preconditionIsolated("MainActor.run's body runs on the main actor")
                    return MainActor.assumeIsolated { mainActorCounter += 1; return mainActorCounter }
                }
                // Back on the loop afterwards (the task prefers it).
                XCTAssertTrue(loop.isOnLoopThread)
                return value
            }
            let before = await MainActor.run { mainActorCounter }
            let value = try await task.value
            XCTAssertEqual(value, before + 1)
        }
    }

    func testALoopTaskCallsAMainActorAsyncFunction() {
        XCTAssertTrue(Thread.isMainThread, "XCTest runs test methods on the main thread")
        runLoopTest(timeout: .seconds(10)) { loop, _ in
            let task = loop.createTask { await countOnTheMainActor(times: 3) }
            let counts = try await task.value
            XCTAssertEqual(counts.count, 3)
            XCTAssertEqual(counts, counts.sorted())
            XCTAssertEqual(Set(counts).count, 3, "each step incremented the main actor's counter")
        }
    }

    // `Task { @MainActor in }` from loop code: its job is queued on the main queue from the
    // loop thread itself, and the loop must wake up from poll for it.
    func testAMainActorTaskStartedFromTheLoopRuns() {
        XCTAssertTrue(Thread.isMainThread, "XCTest runs test methods on the main thread")
        runLoopTest(timeout: .seconds(10)) { loop, _ in
            let onMain = Task { @MainActor () -> Bool in
                MainActor.preconditionIsolated()
                return Thread.isMainThread
            }
            let ranOnMainThread = await onMain.value
            XCTAssertTrue(ranOnMainThread)
            XCTAssertTrue(loop.isOnLoopThread)
        }
    }

    // Main-actor work queued by another thread while the loop sleeps in poll: libdispatch's
    // write to the main queue's eventfd is what wakes the loop.
    func testMainActorWorkFromAnotherThreadWakesTheLoop() {
        XCTAssertTrue(Thread.isMainThread, "XCTest runs test methods on the main thread")
        runLoopTest(timeout: .seconds(10)) { loop, _ in
            // asyncio's call_soon_threadsafe(fut.set_result, x): the future is only touched
            // on the loop, but the compiler sees a loop object in another thread's closure.
            // (A Sendable way to complete a loop future from elsewhere does not exist yet:
            // docs/concurrency.md, "Status", point 6.)
            nonisolated(unsafe) let answer = loop.createFuture(of: Bool.self)
            Task.detached {
                let onMainThread = await MainActor.run { Thread.isMainThread }
                _ = loop.callSoonThreadsafe { try answer.setResult(onMainThread) }
            }
            let onMainThread = try await answer.value
            XCTAssertTrue(onMainThread)
        }
    }

    // The drain watches libdispatch's main-queue descriptor only while the loop runs on the
    // main thread; the handle does not keep the loop alive and closes with it.
    func testTheMainQueueIsWatchedOnlyWhileALoopRunsOnTheMainThread() throws {
        XCTAssertTrue(Thread.isMainThread, "XCTest runs test methods on the main thread")
        let loop = try EventLoop()
        XCTAssertFalse(loop.isDrainingMainQueue)
        let whileRunning = try loop.runUntilComplete { loop in loop.isDrainingMainQueue }
        XCTAssertTrue(whileRunning)
        XCTAssertFalse(loop.isDrainingMainQueue, "stopped when runForever returned")
        XCTAssertEqual(loop.liveHandleLabels(), [], "the drain's handle is internal")
        try loop.close()

        let offMain = Locked<Bool?>(nil)
        let finished = DispatchSemaphore(value: 0)
        let thread = Thread {
            let value = try? EventLoop.run { loop in loop.isDrainingMainQueue }
            offMain.withLock { $0 = value }
            finished.signal()
        }
        thread.start()
        XCTAssertEqual(finished.wait(timeout: .now() + 30), .success)
        XCTAssertEqual(offMain.current, false, "a loop off the main thread leaves the main queue alone")
    }

    // MARK: Leftover tasks that cannot finish

    // CPython: test_runners.RunTests.test_asyncio_run_cancels_hanging_tasks. asyncio waits
    // for every cancelled task; a Swift task may ignore cancellation, so the wait is
    // bounded and the task reported. The loop runs on a thread of its own so that a
    // broken build fails this test instead of hanging the suite.
    func testRunReportsATaskThatIgnoresCancellationAndClosesTheLoop() throws {
        let parked = Locked<CheckedContinuation<Void, Never>?>(nil)
        let resumedOnTheLoop = Locked(false)
        let outcome = Locked<(value: Int, loop: EventLoop, reports: [ExceptionContext])?>(nil)
        let finished = DispatchSemaphore(value: 0)
        let thread = Thread {
            let reports = Locked<[ExceptionContext]>([])
            let seen = Locked<EventLoop?>(nil)
            let value = try? EventLoop.run(leftoverTaskGracePeriod: .milliseconds(200)) { loop in
                seen.withLock { $0 = loop }
                loop.setExceptionHandler { _, context in reports.withLock { $0.append(context) } }
                loop.createTask {
                    // Never resumed while the loop runs, and blind to cancellation.
                    await withCheckedContinuation { continuation in
                        parked.withLock { $0 = continuation }
                    }
                    resumedOnTheLoop.withLock { $0 = true }
                }
                try await loop.sleep(.milliseconds(1))
                return 7
            }
            if let value, let loop = seen.current {
                outcome.withLock { $0 = (value, loop, reports.current) }
            }
            finished.signal()
        }
        thread.start()
        XCTAssertEqual(finished.wait(timeout: .now() + 30), .success,
                       "EventLoop.run waited forever for a task that ignores cancellation")
        let result = try XCTUnwrap(outcome.current)
        XCTAssertEqual(result.value, 7)
        XCTAssertTrue(result.loop.isClosed)
        XCTAssertEqual(result.reports.count, 1)
        let report = try XCTUnwrap(result.reports.first)
        XCTAssertTrue(report.message.contains("did not finish within 0.2 seconds of being cancelled"),
                      report.message)
        XCTAssertTrue(report.message.contains("ignoring cancellation"), report.message)
        XCTAssertTrue(report.extra["task"]?.contains("MainActorTests.swift:") ?? false, "\(report.extra)")

        // The task resumes after the loop closed: its next step reaches the closed loop,
        // which drops it (resume enqueues on the calling thread, so this is settled now).
        let continuation = try XCTUnwrap(parked.current)
        continuation.resume()
        XCTAssertFalse(resumedOnTheLoop.current)
    }

    // A loop off the main thread whose task awaits the main actor while the main thread is
    // blocked (here: waiting for that loop's run to return). That cannot complete, and no
    // drain can help; run must give up on the task after the grace period, say why, and
    // survive the task's late resumption once the main thread drains its queue.
    // CPython: none (asyncio has no main actor); the leftover wait is
    // test_runners.RunTests.test_asyncio_run_cancels_hanging_tasks's.
    func testRunGivesUpOnATaskWaitingForABlockedMainThread() throws {
        XCTAssertTrue(Thread.isMainThread, "XCTest runs test methods on the main thread")
        let mainActorBodyRan = Locked(false)
        let reports = Locked<[ExceptionContext]?>(nil)
        let finished = DispatchSemaphore(value: 0)
        let thread = Thread {
            let seen = Locked<[ExceptionContext]>([])
            _ = try? EventLoop.run(leftoverTaskGracePeriod: .milliseconds(200)) { loop in
                loop.setExceptionHandler { _, context in seen.withLock { $0.append(context) } }
                loop.createTask {
                    await MainActor.run { mainActorBodyRan.withLock { $0 = true } }
                }
                try await loop.sleep(.milliseconds(1))
            }
            reports.withLock { $0 = seen.current }
            finished.signal()
        }
        thread.start()
        // The main thread blocks here, so the main actor's job cannot run meanwhile.
        XCTAssertEqual(finished.wait(timeout: .now() + 30), .success,
                       "EventLoop.run waited forever for a task stuck on the main actor")
        let report = try XCTUnwrap(reports.current?.first)
        XCTAssertEqual(reports.current?.count, 1)
        XCTAssertTrue(report.message.contains("MainActor.run"), report.message)
        XCTAssertFalse(mainActorBodyRan.current)

        // A loop on the main thread drains the main queue in order: the stale job first
        // (its task's next step goes to the closed loop and is dropped), then this one.
        runLoopTest(timeout: .seconds(10)) { _, _ in
            await MainActor.run {}
            XCTAssertTrue(mainActorBodyRan.current)
        }
    }
}

/// Main-actor state the tests count with.
@MainActor private var mainActorCounter = 0

/// A `@MainActor` async function with suspension points of its own, called from loop tasks.
@MainActor private func countOnTheMainActor(times: Int) async -> [Int] {
    var seen: [Int] = []
    for _ in 0..<times {
        MainActor.preconditionIsolated()
        mainActorCounter += 1
        seen.append(mainActorCounter)
        await Task.yield()
    }
    return seen
}
