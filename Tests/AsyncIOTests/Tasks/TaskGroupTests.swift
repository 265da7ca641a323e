@testable import AsyncIO
import XCTest

/// CPython 3.13's test_taskgroups.py, on `loop.taskGroup` / `LoopTaskGroup`. asyncio's
/// delays are kept (shortened where they only order events); nothing checks how long a
/// test took.
///
/// Not ported: the BaseException cases (test_taskgroup_20, 20a, 21a: Swift has no
/// KeyboardInterrupt or BaseExceptionGroup), task names and contexts (Swift tasks have
/// neither), and the enter/exit misuse tests (test_taskgroup_already_entered,
/// double_enter, not_entered, without_parent_task: the group is entered by the call that
/// makes it). test_taskgroup_15/16 are ported with a clean-up that waits in a task of its
/// own, since a cancelled Swift task cannot sleep.
final class TaskGroupTests: XCTestCase {
    // test_taskgroups.py TestTaskGroup.test_taskgroup_01
    func testWaitsForEveryTask() {
        runLoopTest { loop, _ in
            let tasks = Box<[Task<Int, any Error>]>([])
            try await loop.taskGroup { g in
                tasks.value.append(try g.createTask { try await loop.sleep(.milliseconds(10)); return 42 })
                tasks.value.append(try g.createTask { try await loop.sleep(.milliseconds(20)); return 11 })
            }
            let values = [try await tasks.value[0].value, try await tasks.value[1].value]
            XCTAssertEqual(values, [42, 11])
        }
    }

    // test_taskgroups.py TestTaskGroup.test_taskgroup_02 and test_taskgroup_03: tasks
    // added after a wait; one cancelled explicitly does not fail the group.
    func testTaskAddedLaterAndOneCancelled() {
        runLoopTest { loop, _ in
            let tasks = Box<[Task<Int, any Error>]>([])
            try await loop.taskGroup { g in
                let t1 = try g.createTask { try await loop.sleep(.seconds(1)); return 42 }
                try await loop.sleep(.milliseconds(15))
                t1.cancel()
                tasks.value = [t1, try g.createTask { try await loop.sleep(.milliseconds(20)); return 11 }]
            }
            await assertEndsCancelled(tasks.value[0])
            let second = try await tasks.value[1].value
            XCTAssertEqual(second, 11)
        }
    }

    // test_taskgroups.py TestTaskGroup.test_taskgroup_04 and
    // test_cancel_children_on_child_error: a failing task cancels the others and the
    // body; the errors come as an ExceptionGroup and the code after the group never runs.
    func testChildErrorCancelsTheRest() {
        runLoopTest { loop, _ in
            let num = Box(0)
            let t2Cancelled = Box(false)
            let bodyCancelled = Box(false)
            let runner = loop.createTask {
                try await loop.taskGroup { g in
                    for _ in 0..<3 {
                        try g.createTask {
                            try await loop.sleep(.milliseconds(10))
                            throw TestError(name: "ZeroDivisionError")
                        }
                    }
                    try g.createTask {
                        do {
                            try await loop.sleep(.seconds(5))
                        } catch {
                            t2Cancelled.value = true
                            throw error
                        }
                        num.value += 1
                    }
                    do {
                        try await loop.sleep(.seconds(10))
                    } catch {
                        bodyCancelled.value = true
                        throw error
                    }
                }
                num.value += 10
            }
            let error = await thrownError { try await runner.value }
            let group = try exceptionGroup(error)
            XCTAssertEqual(errorNames(group), ["ZeroDivisionError"])
            XCTAssertEqual(group.message, "unhandled errors in a TaskGroup")
            XCTAssertEqual(num.value, 0)
            XCTAssertTrue(t2Cancelled.value)
            XCTAssertTrue(bodyCancelled.value)
        }
    }

    // test_taskgroups.py TestTaskGroup.test_cancellation and test_taskgroup_07:
    // cancelling the caller while the group waits cancels the body and every task, and
    // the caller gets CancellationError.
    func testCancelledWhileWaiting() {
        runLoopTest { loop, _ in
            for bodyWaits in [false, true] {
                let num = Box(0)
                let outcome = try await cancelled(loop, after: .milliseconds(20)) {
                    try await loop.taskGroup { g in
                        for _ in 0..<5 {
                            try g.createTask {
                                do {
                                    try await loop.sleep(.seconds(5))
                                } catch {
                                    num.value += 1
                                    throw error
                                }
                            }
                        }
                        if bodyWaits {
                            do {
                                try await loop.sleep(.seconds(10))
                            } catch {
                                num.value += 10
                                throw error
                            }
                        }
                    }
                }
                XCTAssertTrue(outcome.isCancellation, "\(outcome)")
                XCTAssertEqual(num.value, bodyWaits ? 15 : 5)
            }
        }
    }

    // test_taskgroups.py TestTaskGroup.test_taskgroup_08: tasks that fail while being
    // cancelled turn the cancellation into an ExceptionGroup (errors win).
    func testErrorsWinOverCancellation() {
        runLoopTest { loop, _ in
            let outcome = try await cancelled(loop, after: .milliseconds(20)) {
                try await loop.taskGroup { g in
                    for _ in 0..<5 { try g.createTask { try await failingCleanup(loop) } }
                    try await loop.sleep(.seconds(10))
                }
            }
            let error = outcome.failure
            let group = try exceptionGroup(error)
            XCTAssertEqual(errorNames(group), ["ZeroDivisionError"])
            XCTAssertEqual(group.errors.count, 5)
        }
    }

    // test_taskgroups.py TestTaskGroup.test_taskgroup_09 and test_taskgroup_10: the body
    // fails (after a wait, or at once); the tasks are cancelled, the body's error is in
    // the group.
    func testBodyErrorCancelsTheTasks() {
        runLoopTest { loop, _ in
            for bodyWaits in [true, false] {
                let tasks = Box<[Task<Int, any Error>]>([])
                let error = await thrownError {
                    try await loop.taskGroup { g in
                        tasks.value.append(try g.createTask { try await loop.sleep(.seconds(1)); return 42 })
                        tasks.value.append(try g.createTask { try await loop.sleep(.seconds(2)); return 11 })
                        if bodyWaits { try await loop.sleep(.milliseconds(10)) }
                        throw TestError(name: "ZeroDivisionError")
                    }
                }
                let group = try exceptionGroup(error)
                XCTAssertEqual(errorNames(group), ["ZeroDivisionError"])
                for task in tasks.value {
                    await assertEndsCancelled(task)
                }
            }
        }
    }

    // test_taskgroups.py TestTaskGroup.test_taskgroup_11 and test_taskgroup_12: nested
    // groups; the inner group's ExceptionGroup is an error of the outer one.
    func testNestedGroupsCancelled() {
        runLoopTest { loop, _ in
            for outerHasATask in [false, true] {
                let outcome = try await cancelled(loop, after: .milliseconds(20)) {
                    try await loop.taskGroup { g1 in
                        if outerHasATask { try g1.createTask { try await loop.sleep(.seconds(10)) } }
                        try await loop.taskGroup { g2 in
                            for _ in 0..<5 { try g2.createTask { try await failingCleanup(loop) } }
                            try await loop.sleep(.seconds(10))
                        }
                    }
                }
                let error = outcome.failure
                let group = try exceptionGroup(error)
                XCTAssertEqual(errorNames(group), ["ExceptionGroup"])
                XCTAssertEqual(errorNames(try XCTUnwrap(group.errors.first as? ExceptionGroup)), ["ZeroDivisionError"])
            }
        }
    }

    // test_taskgroups.py TestTaskGroup.test_taskgroup_13 and test_taskgroup_14: which
    // group's task fails first decides the nesting of the errors.
    func testNestedGroupsFailing() {
        runLoopTest { loop, _ in
            // The outer group's task fails first: the inner group is cancelled.
            var error = await thrownError {
                try await loop.taskGroup { g1 in
                    try g1.createTask { try await crashAfter(loop, .milliseconds(10)) }
                    try await loop.taskGroup { g2 in try g2.createTask { try await crashAfter(loop, .seconds(10)) } }
                }
            }
            var group = try exceptionGroup(error)
            XCTAssertEqual(errorNames(group), ["ValueError"])
            // The inner group's task fails first.
            error = await thrownError {
                try await loop.taskGroup { g1 in
                    try g1.createTask { try await crashAfter(loop, .seconds(10)) }
                    try await loop.taskGroup { g2 in try g2.createTask { try await crashAfter(loop, .milliseconds(10)) } }
                }
            }
            group = try exceptionGroup(error)
            XCTAssertEqual(errorNames(group), ["ExceptionGroup"])
            XCTAssertEqual(errorNames(try XCTUnwrap(group.errors.first as? ExceptionGroup)), ["ValueError"])
        }
    }

    // test_taskgroups.py TestTaskGroup.test_taskgroup_15 and test_taskgroup_16: the
    // caller is cancelled, the body's clean-up takes a while, and a task fails meanwhile:
    // the failure wins. (The clean-up waits in a task of its own: a cancelled Swift task
    // cannot sleep.)
    func testTaskFailsDuringTheBodysCleanup() {
        runLoopTest { loop, _ in
            for nested in [false, true] {
                let runGroup = {
                    try await loop.taskGroup { g1 in
                        try g1.createTask {
                            try await loop.sleep(.milliseconds(30))
                            throw TestError(name: "ZeroDivisionError")
                        }
                        do {
                            try await loop.sleep(.seconds(10))
                        } catch {
                            _ = await loop.createTask { try await loop.sleep(.milliseconds(50)) }.result
                            throw error
                        }
                    }
                }
                let outcome = try await cancelled(loop, after: .milliseconds(10)) {
                    if nested {
                        try await loop.createTask { try await runGroup() }.value
                    } else {
                        try await runGroup()
                    }
                }
                let error = outcome.failure
                let group = try exceptionGroup(error)
                XCTAssertEqual(errorNames(group), ["ZeroDivisionError"])
            }
        }
    }

    // test_taskgroups.py TestTaskGroup.test_taskgroup_17 and test_taskgroup_18: a group
    // with no tasks, cancelled; a body that turns the cancellation into an error gets
    // that error in an ExceptionGroup.
    func testCancelledGroupWithoutTasks() {
        runLoopTest { loop, _ in
            for bodyThrows in [false, true] {
                let num = Box(0)
                let outcome = try await cancelled(loop, after: .milliseconds(10)) {
                    try await loop.taskGroup { _ in
                        do {
                            try await loop.sleep(.seconds(10))
                        } catch {
                            num.value += 10
                            if bodyThrows { throw TestError(name: "MyExc") }
                            throw error
                        }
                    }
                }
                let result = outcome
                if bodyThrows {
                    let group = try XCTUnwrap(result.failure as? ExceptionGroup, "\(result)")
                    XCTAssertEqual(errorNames(group), ["MyExc"])
                } else {
                    XCTAssertTrue(result.isCancellation, "\(result)")
                }
                XCTAssertEqual(num.value, 10)
            }
        }
    }

    // test_taskgroups.py TestTaskGroup.test_taskgroup_19: the task's error and the body's
    // (thrown while it was cancelled) are both collected, the body's last.
    func testBodyAndTaskErrorsCollected() {
        runLoopTest { loop, _ in
            let error = await thrownError {
                try await loop.taskGroup { g in
                    try g.createTask {
                        try await loop.sleep(.milliseconds(10))
                        throw TestError(name: "ZeroDivisionError")
                    }
                    do {
                        try await loop.sleep(.seconds(10))
                    } catch {
                        throw TestError(name: "MyExc")
                    }
                }
            }
            let group = try exceptionGroup(error)
            XCTAssertEqual(group.errors.map { ($0 as? TestError)?.name }, ["ZeroDivisionError", "MyExc"])
            XCTAssertEqual(group.description, "unhandled errors in a TaskGroup (2 sub-exceptions)")
        }
    }

    // test_taskgroups.py TestTaskGroup.test_taskgroup_22: cancelled while the tasks run.
    func testCancelledWhileTasksRun() {
        runLoopTest { loop, _ in
            let outcome = try await cancelled(loop, after: .milliseconds(5)) {
                try await loop.taskGroup { g in
                    try g.createTask { try await loop.sleep(.seconds(1)) }
                    try g.createTask { try await loop.sleep(.seconds(2)) }
                }
            }
            XCTAssertTrue(outcome.isCancellation, "\(outcome)")
        }
    }

    // test_taskgroups.py TestTaskGroup.test_taskgroup_23: finished tasks leave the
    // group while the body goes on adding more.
    func testFinishedTasksLeave() {
        runLoopTest { loop, _ in
            try await loop.taskGroup { g in
                for _ in 0..<5 {
                    try await loop.sleep(.milliseconds(2))
                    try g.createTask { try await loop.sleep(.milliseconds(3)) }
                }
                try await waitUntil(loop) { !g.description.contains("tasks=") }
                XCTAssertEqual(g.description, "<TaskGroup entered>")
            }
        }
    }

    // test_taskgroups.py TestTaskGroup.test_taskgroup_24 and test_taskgroup_25: tasks
    // add tasks to the group while it waits.
    func testTasksAddTasks() {
        runLoopTest { loop, _ in
            let finished = Box(0)
            try await loop.taskGroup { g in
                try g.createTask {
                    try await loop.sleep(.milliseconds(5))
                    for delay in [5, 10] {
                        try g.createTask {
                            try await loop.sleep(.milliseconds(delay))
                            finished.value += 1
                        }
                    }
                }
            }
            XCTAssertEqual(finished.value, 2)

            let hydras = Box(0)
            let error = await thrownError {
                try await loop.taskGroup { g in
                    try g.createTask { try await hydra(loop, g, hydras) }
                    try g.createTask {
                        while hydras.value < 10 { try await loop.sleep(.milliseconds(2)) }
                        throw TestError(name: "ZeroDivisionError")
                    }
                }
            }
            let group = try exceptionGroup(error)
            XCTAssertEqual(errorNames(group), ["ZeroDivisionError"])
            XCTAssertGreaterThanOrEqual(hydras.value, 10)
        }
    }

    // test_taskgroups.py TestTaskGroup.test_taskgroup_no_create_task_after_failure
    func testNoCreateTaskAfterFailure() {
        runLoopTest { loop, _ in
            let refused = Box<TaskGroupUsageError?>(nil)
            let error = await thrownError {
                try await loop.taskGroup { g in
                    try g.createTask {
                        try await loop.sleep(.milliseconds(1))
                        throw TestError(name: "ZeroDivisionError")
                    }
                    try g.createTask {
                        do {
                            try await loop.sleep(.seconds(1))
                        } catch {
                            do {
                                try g.createTask { XCTFail("a refused task ran") }
                            } catch let usage as TaskGroupUsageError {
                                refused.value = usage
                            }
                        }
                    }
                }
            }
            let group = try exceptionGroup(error)
            XCTAssertEqual(errorNames(group), ["ZeroDivisionError"])
            XCTAssertEqual(refused.value, .shuttingDown)
        }
    }

    // test_taskgroups.py TestTaskGroup.test_taskgroup_context_manager_exit_raises: a
    // body's clean-up that fails after a task failed: both errors, and the caller is not
    // left cancelled.
    func testBodyCleanupFailsAfterATaskFailed() {
        runLoopTest { loop, _ in
            let main = loop.createTask {
                let error = await thrownError {
                    try await loop.taskGroup { g in
                        try g.createTask { throw TestError(name: "CustomException") }
                        do {
                            try await loop.sleep(.seconds(1))
                        } catch {}
                        throw TestError(name: "CustomException")  // the context manager's finally
                    }
                }
                let group = try exceptionGroup(error)
                XCTAssertEqual(group.errors.count, 2)
                XCTAssertEqual(errorNames(group), ["CustomException"])
                XCTAssertFalse(Task.isCancelled)
            }
            try await main.value
        }
    }

    // test_taskgroups.py TestTaskGroup.test_taskgroup_finished and
    // test_coro_closed_when_tg_closed: a finished group refuses tasks, which never run.
    func testFinishedGroupRefusesTasks() {
        runLoopTest { loop, _ in
            let kept = Box<LoopTaskGroup?>(nil)
            try await loop.taskGroup { g in kept.value = g }
            XCTAssertThrowsError(try kept.value!.createTask { XCTFail("a refused task ran") }) {
                XCTAssertEqual($0 as? TaskGroupUsageError, .finished)
            }
            try await yieldToLoop(loop)
        }
    }

    // test_taskgroups.py TestTaskGroup.test_cancelling_level_preserved: a group whose
    // task failed leaves its caller uncancelled.
    func testCallerNotCancelledAfterAnError() {
        runLoopTest { loop, _ in
            let error = await thrownError {
                try await loop.taskGroup { g in
                    _ = try g.createTask { throw TestError(name: "RuntimeError") }
                }
            }
            XCTAssertTrue(error is ExceptionGroup)
            XCTAssertFalse(Task.isCancelled)
            try await loop.sleep(.zero)
        }
    }

    // test_taskgroups.py TestTaskGroup.test_nested_groups_both_cancelled: the inner
    // group's error is caught in the outer body; the outer task's error then ends the
    // outer group.
    func testNestedGroupsBothFailing() {
        runLoopTest { loop, _ in
            let innerCaught = Box(false)
            let error = await thrownError {
                try await loop.taskGroup { outer in
                    do {
                        try await loop.taskGroup { inner in
                            try inner.createTask { throw TestError(name: "RuntimeError") }
                            _ = try outer.createTask { throw TestError(name: "ValueError") }
                        }
                    } catch let group as ExceptionGroup where errorNames(group) == ["RuntimeError"] {
                        innerCaught.value = true
                    }
                }
            }
            XCTAssertTrue(innerCaught.value)
            let group = try exceptionGroup(error)
            XCTAssertEqual(errorNames(group), ["ValueError"])
        }
    }

    // test_taskgroups.py TestTaskGroup.test_error_and_cancel: the caller cancelled while
    // a task fails: the error wins, and the caller stays cancelled afterwards.
    func testErrorAndCancel() {
        runLoopTest { loop, _ in
            let event = loop.createFuture(of: Void.self)
            let caught = Box(false)
            let inner = loop.createTask {
                do {
                    try await loop.taskGroup { g in
                        try g.createTask {
                            try event.setResult(())
                            try await loop.sleep(.zero)
                            throw TestError(name: "RuntimeError")
                        }
                        try await loop.sleep(.seconds(1))
                        XCTFail("the sleep in the group should have been cancelled")
                    }
                } catch let group as ExceptionGroup where errorNames(group) == ["RuntimeError"] {
                    caught.value = true
                }
                try await loop.sleep(.seconds(1))
                XCTFail("the sleep after the group should have been cancelled")
            }
            try await event.value
            inner.cancel()
            await assertEndsCancelled(inner)
            XCTAssertTrue(caught.value)
        }
    }

    // Not in CPython: the group's tasks are the loop's code, over real sockets: they use
    // a writer the body opened and connections of their own, and count into a plain
    // class shared with the body (no Sendable, no lock).
    func testTasksUseTheLoopsObjects() {
        runLoopTest { loop, _ in
            let server = try await loop.startServer(host: "127.0.0.1", port: 0) { reader, writer in
                for try await line in reader {
                    writer.write(line)
                    try await writer.drain()
                }
                writer.close()
            }
            let port = try XCTUnwrap(server.sockets[0].localAddress.port)
            final class Tally { var echoed: [String] = [] }
            let tally = Tally()
            let (sharedReader, sharedWriter) = try await loop.openConnection(host: "127.0.0.1", port: port)
            try await loop.taskGroup { group in
                try group.createTask {
                    sharedWriter.write(Array("shared\n".utf8))
                    tally.echoed.append(String(decoding: try await sharedReader.readLine(), as: UTF8.self))
                }
                for index in 0..<3 {
                    try group.createTask {
                        let (reader, writer) = try await loop.openConnection(host: "127.0.0.1", port: port)
                        writer.write(Array("client \(index)\n".utf8))
                        tally.echoed.append(String(decoding: try await reader.readLine(), as: UTF8.self))
                        writer.close()
                        try await writer.waitClosed()
                    }
                }
            }
            XCTAssertEqual(tally.echoed.sorted(), ["client 0\n", "client 1\n", "client 2\n", "shared\n"])
            sharedWriter.close()
            try await sharedWriter.waitClosed()
            server.close()
            try await withTimeout(.seconds(10)) { try await server.waitClosed() }
        }
    }

    // Not in CPython: the description follows asyncio's repr.
    func testDescription() {
        runLoopTest { loop, _ in
            let whileCancelling = Box("")
            let error = await thrownError {
                try await loop.taskGroup { g in
                    XCTAssertEqual(g.description, "<TaskGroup entered>")
                    try g.createTask {
                        do {
                            try await loop.sleep(.seconds(10))
                        } catch {
                            whileCancelling.value = g.description
                            throw error
                        }
                    }
                    try g.createTask { throw TestError(name: "x") }
                }
            }
            XCTAssertTrue(error is ExceptionGroup)
            XCTAssertEqual(whileCancelling.value, "<TaskGroup tasks=1 errors=1 cancelling>")
        }
    }
}

/// A task body whose clean-up fails after cancellation (CPython's `try: sleep(10)
/// finally: 1 / 0`).
private func failingCleanup(_ loop: isolated EventLoop) async throws {
    do {
        try await loop.sleep(.seconds(10))
    } catch {}
    throw TestError(name: "ZeroDivisionError")
}

/// CPython's `crash_after(t)`.
private func crashAfter(_ loop: isolated EventLoop, _ delay: Duration) async throws {
    try await loop.sleep(delay)
    throw TestError(name: "ValueError")
}

/// CPython's `hydra(g)`: every head grows two more.
private func hydra(_ loop: isolated EventLoop, _ group: LoopTaskGroup, _ count: Box<Int>) async throws {
    count.value += 1
    try await loop.sleep(.milliseconds(1))
    try group.createTask { try await hydra(loop, group, count) }
    try group.createTask { try await hydra(loop, group, count) }
}

/// Starts `body` as a loop task, cancels it after `delay`, and returns how it ended
/// (CPython's `r = create_task(runner()); await sleep(d); r.cancel(); await r`).
private func cancelled<T: Sendable>(
    _ loop: isolated EventLoop, after delay: Duration,
    _ body: nonisolated(nonsending) @escaping () async throws -> T
) async throws -> Result<T, any Error> {
    let runner = loop.createTask(body)
    try await loop.sleep(delay)
    runner.cancel()
    return await runner.result
}

private extension Result {
    var failure: Failure? {
        if case .failure(let error) = self { return error }
        return nil
    }
}
