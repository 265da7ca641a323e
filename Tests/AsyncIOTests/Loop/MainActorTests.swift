@testable import AsyncIO
import Foundation
import XCTest

/// The main actor and loops, and `EventLoop.run`'s bounded wait for cancelled tasks.
///
/// asyncio has no main actor, so most of these have no CPython counterpart. XCTest on
/// Linux runs test methods on the main thread (checked in each test that relies on it),
/// so `runLoopTest` loops here run on the main thread.
final class MainActorTests: XCTestCase {
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
}
