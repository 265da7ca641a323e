@testable import AsyncIO
import XCTest

/// CPython 3.13's gather tests (test_tasks.py GatherTestsBase, CoroutineGatherTests,
/// FutureGatherTests, BaseTaskTests.test_cancel_gather_2), on `loop.gather`. The futures
/// of FutureGatherTests are awaited by tasks, as CoroutineGatherTests wraps them.
///
/// Not ported: the loop-binding tests (a gather has its loop by construction) and
/// test_cancel_gather_1 (a cancellation arriving after every child finished but before
/// gather noticed: here each completion reaches gather one iteration later than in
/// asyncio, through the watcher task, so that moment is not the same moment).
final class GatherTests: XCTestCase {
    // test_tasks.py GatherTestsBase.test_success and test_result_exception_success
    func testSuccessInTheOrderGiven() {
        runLoopTest { loop, _ in
            for returnExceptions in [false, true] {
                let futures = (0..<3).map { _ in loop.createFuture(of: Int.self) }
                let children = tasks(loop, awaiting: futures)
                let done = Box<[Int]?>(nil)
                let gathering = loop.createTask {
                    done.value = try await loop.gather(children, returnExceptions: returnExceptions).map { try $0.get() }
                }
                try futures[1].setResult(1)
                try futures[0].setResult(2)
                try await yieldToLoop(loop, times: 6)
                XCTAssertNil(done.value)
                try futures[2].setResult(3)
                try await gathering.value
                XCTAssertEqual(done.value, [2, 1, 3])
            }
        }
    }

    // test_tasks.py GatherTestsBase.test_one_exception: the first error ends gather at
    // once; the other children are left alone.
    func testOneException() {
        runLoopTest { loop, _ in
            let futures = (0..<5).map { _ in loop.createFuture(of: Int.self) }
            let children = tasks(loop, awaiting: futures)
            let gathering = loop.createTask { try await loop.gather(children) }
            try futures[0].setResult(1)
            try futures[1].setException(TestError(name: "ZeroDivisionError"))
            let result = await gathering.result
            XCTAssertThrowsError(try result.get()) { XCTAssertEqual($0 as? TestError, TestError(name: "ZeroDivisionError")) }
            // The others were not cancelled: they finish as their futures say.
            try futures[2].setResult(3)
            futures[3].cancel()
            try futures[4].setException(TestError(name: "RuntimeError"))
            let third = try await children[2].value
            XCTAssertEqual(third, 3)
            await assertEndsCancelled(children[3])
        }
    }

    // test_tasks.py GatherTestsBase.test_return_exceptions
    func testReturnExceptions() {
        runLoopTest { loop, _ in
            let futures = (0..<4).map { _ in loop.createFuture(of: Int.self) }
            let children = tasks(loop, awaiting: futures)
            let results = Box<[Result<Int, any Error>]?>(nil)
            let gathering = loop.createTask { results.value = try await loop.gather(children, returnExceptions: true) }
            try futures[1].setResult(1)
            try futures[2].setException(TestError(name: "ZeroDivisionError"))
            try futures[0].setResult(3)
            try await yieldToLoop(loop, times: 6)
            XCTAssertNil(results.value)
            try futures[3].setException(TestError(name: "RuntimeError"))
            try await gathering.value
            let got = try XCTUnwrap(results.value)
            XCTAssertEqual(try got[0].get(), 3)
            XCTAssertEqual(try got[1].get(), 1)
            XCTAssertThrowsError(try got[2].get()) { XCTAssertEqual($0 as? TestError, TestError(name: "ZeroDivisionError")) }
            XCTAssertThrowsError(try got[3].get()) { XCTAssertEqual($0 as? TestError, TestError(name: "RuntimeError")) }
        }
    }

    // test_tasks.py FutureGatherTests.test_constructor_empty_sequence_use_running_loop
    func testEmpty() {
        runLoopTest { loop, _ in
            let results = try await loop.gather([Task<Int, any Error>]())
            XCTAssertEqual(results, [])
        }
    }

    // test_tasks.py FutureGatherTests.test_one_cancellation: a cancelled child ends
    // gather with CancellationError; gather's caller is not itself cancelled.
    func testOneCancellation() {
        runLoopTest { loop, _ in
            let futures = (0..<5).map { _ in loop.createFuture(of: Int.self) }
            let children = tasks(loop, awaiting: futures)
            let callerCancelled = Box(true)
            let gathering = loop.createTask {
                defer { callerCancelled.value = Task.isCancelled }
                return try await loop.gather(children)
            }
            try futures[0].setResult(1)
            futures[1].cancel()
            await assertEndsCancelled(gathering)
            XCTAssertFalse(callerCancelled.value)
            for future in futures[2...] { future.cancel() }
        }
    }

    // test_tasks.py FutureGatherTests.test_result_exception_one_cancellation
    func testReturnExceptionsWithCancellations() {
        runLoopTest { loop, _ in
            let futures = (0..<6).map { _ in loop.createFuture(of: Int.self) }
            let children = tasks(loop, awaiting: futures)
            let gathering = loop.createTask { try await loop.gather(children, returnExceptions: true) }
            try futures[0].setResult(1)
            try futures[1].setException(TestError(name: "ZeroDivisionError"))
            futures[2].cancel()
            try await yieldToLoop(loop, times: 6)
            try futures[3].setResult(3)
            futures[4].cancel()
            try futures[5].setException(TestError(name: "RuntimeError"))
            let results = try await gathering.value
            XCTAssertEqual(try results[0].get(), 1)
            XCTAssertThrowsError(try results[1].get()) { XCTAssertEqual($0 as? TestError, TestError(name: "ZeroDivisionError")) }
            XCTAssertTrue(results[2].isCancellation)
            XCTAssertEqual(try results[3].get(), 3)
            XCTAssertTrue(results[4].isCancellation)
            XCTAssertThrowsError(try results[5].get()) { XCTAssertEqual($0 as? TestError, TestError(name: "RuntimeError")) }
        }
    }

    // test_tasks.py CoroutineGatherTests.test_duplicate_coroutines
    func testDuplicates() {
        runLoopTest { loop, _ in
            let abc = loop.createTask { "abc" }
            let def = loop.createTask { "def" }
            let results = try await loop.gather([abc, abc, def, abc])
            XCTAssertEqual(results, ["abc", "abc", "def", "abc"])
        }
    }

    // test_tasks.py CoroutineGatherTests.test_cancellation_broadcast: cancelling the
    // caller while gather waits cancels every child, and gather waits for them.
    func testCancelledWhileWaitingCancelsTheChildren() {
        runLoopTest { loop, _ in
            let proof = Box(0)
            let waiter = loop.createFuture(of: Void.self)
            let inner = {
                loop.createTask {
                    try await waiter.value
                    proof.value += 1
                }
            }
            let children = [inner(), inner()]
            let outer = try await startedTask(loop) {
                _ = try await loop.gather(children)
                proof.value += 100
            }
            outer.cancel()
            await assertEndsCancelled(outer)
            XCTAssertTrue(waiter.isCancelled)
            for child in children {
                await assertEndsCancelled(child)
            }
            try await yieldToLoop(loop)
            XCTAssertEqual(proof.value, 0)
        }
    }

    // Not in CPython: with returnExceptions, a cancelled gather still waits for every
    // child (here one that takes a while to end) before throwing CancellationError.
    func testCancelledReturnExceptionsWaitsForEveryChild() {
        runLoopTest { loop, _ in
            let slowEnded = Box(false)
            let quick = loop.createTask { try await loop.sleep(.seconds(3600)) }
            let slow = loop.createTask {
                do {
                    try await loop.sleep(.seconds(3600))
                } catch {
                    _ = await loop.createTask { try await loop.sleep(.milliseconds(5)) }.result
                    slowEnded.value = true
                    throw error
                }
            }
            let outer = try await startedTask(loop) { try await loop.gather([quick, slow], returnExceptions: true) }
            outer.cancel()
            await assertEndsCancelled(outer)
            XCTAssertTrue(slowEnded.value)
        }
    }

    // test_tasks.py BaseTaskTests.test_cancel_gather_2: a task gathering in a loop, when
    // cancelled, ends with CancellationError.
    func testCancellingALoopOfGathers() {
        runLoopTest { loop, _ in
            let looping = loop.createTask {
                for _ in 0..<1_000 {
                    let sleeper = loop.createTask { try await loop.sleep(.milliseconds(5)) }
                    _ = try await loop.gather([sleeper], returnExceptions: true)
                }
            }
            try await loop.sleep(.milliseconds(20))
            looping.cancel()
            await assertEndsCancelled(looping)
        }
    }

    // test_tasks.py GatherTestsBase.test_success and test_one_exception, with results of
    // different types (a tuple, as Python's list of mixed values).
    func testTasksOfDifferentTypes() {
        runLoopTest { loop, _ in
            let number = loop.createTask { () -> Int in
                try await loop.sleep(.milliseconds(5))
                return 7
            }
            let text = loop.createTask { "seven" }
            let (n, t) = try await loop.gather(number, text)
            XCTAssertEqual(n, 7)
            XCTAssertEqual(t, "seven")
            let failing = loop.createTask { () -> Int in throw TestError(name: "ZeroDivisionError") }
            let sleeping = loop.createTask { () -> String in
                try await loop.sleep(.seconds(3600))
                return "never"
            }
            let error = await thrownError { _ = try await loop.gather(failing, sleeping) }
            XCTAssertEqual(error as? TestError, TestError(name: "ZeroDivisionError"))
            sleeping.cancel()
        }
    }

    // test_tasks.py CoroutineGatherTests.test_cancellation_broadcast, with results of
    // different types.
    func testTasksOfDifferentTypesCancelledWhileWaiting() {
        runLoopTest { loop, _ in
            let number = loop.createTask { () -> Int in
                try await loop.sleep(.seconds(3600))
                return 1
            }
            let text = loop.createTask { () -> String in
                try await loop.sleep(.seconds(3600))
                return "one"
            }
            let outer = try await startedTask(loop) { _ = try await loop.gather(number, text) }
            outer.cancel()
            await assertEndsCancelled(outer)
            await assertEndsCancelled(number)
            await assertEndsCancelled(text)
        }
    }
}

/// Tasks that await each of `futures` (CPython's `wrap_futures`).
private func tasks(_ loop: isolated EventLoop, awaiting futures: [Future<Int>]) -> [Task<Int, any Error>] {
    futures.map { future in loop.createTask { try await future.value } }
}
