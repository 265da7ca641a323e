/// A group of tasks on one loop with asyncio's `TaskGroup` rules, handed to the body of
/// `EventLoop.taskGroup(_:)`: asyncio's `async with asyncio.TaskGroup() as tg`.
///
/// - Tasks made with `createTask` run on the loop, as the loop's code (they may use its
///   readers, writers and shared state); the body, and the tasks themselves, may add more
///   while the group waits.
/// - The scope ends when the body and every task have ended.
/// - The first task to fail (with an error other than `CancellationError`) cancels every
///   other task and the body; every error is collected and the scope throws them as one
///   `ExceptionGroup` ("unhandled errors in a TaskGroup"), the body's own error last. A
///   body that fails also cancels the tasks.
/// - Cancelling the caller cancels the body and the tasks; the scope waits for them and
///   throws `CancellationError`, unless a task failed (errors win, as in asyncio).
///
/// It is not called `TaskGroup` so as not to hide Swift's own. Loop-bound: use it on its
/// loop only. See README's "Task helpers" for how it differs from
/// `withThrowingTaskGroup`.
public final class LoopTaskGroup {
    /// The loop the group's tasks run on.
    public let loop: EventLoop
    /// How to cancel each task still running, by the order it was made in.
    private var running: [Int: () -> Void] = [:]
    private var nextID = 0
    private(set) var errors: [any Error] = []
    /// Whether the body has ended (asyncio's `_exiting`).
    private var exiting = false
    /// Whether the group is cancelling its tasks (asyncio's `_aborting`).
    private var aborting = false
    /// Whether the group cancelled the body because a task failed (asyncio's
    /// `_parent_cancel_requested`).
    private var parentCancelRequested = false
    /// Cancels the body's task.
    var cancelParent: () -> Void = {}
    private let signal = CompletionSignal()

    init(loop: EventLoop) {
        self.loop = loop
    }

    /// Starts `operation` as a task of this group on the loop and returns it: asyncio's
    /// `tg.create_task(coro)`. Throws `TaskGroupUsageError.finished` once the group has
    /// ended and `.shuttingDown` while it cancels its tasks; `operation` then never runs.
    @discardableResult
    public func createTask<T: Sendable>(
        file: StaticString = #fileID, line: UInt = #line,
        _ operation: nonisolated(nonsending) @escaping () async throws -> T
    ) throws(TaskGroupUsageError) -> Task<T, any Error> {
        loop.assertOnLoopThread()
        if exiting && running.isEmpty { throw .finished }
        if aborting { throw .shuttingDown }
        // The task's loop parameter is this group's loop, whose thread this is (checked
        // above); the compiler cannot see that `operation` belongs to it.
        nonisolated(unsafe) let operation = operation
        let task = loop.spawnTask(file: file, line: line) { _ in try await operation() }
        nextID += 1
        let id = nextID
        running[id] = { task.cancel() }
        loop.whenDone(task) { [self] outcome in
            taskFinished(id, outcome)
        }
        return task
    }

    /// asyncio's `_on_task_done`.
    private func taskFinished(_ id: Int, _ outcome: Result<some Sendable, any Error>) {
        running[id] = nil
        if running.isEmpty { signal.signal() }
        guard case .failure(let error) = outcome, !(error is CancellationError) else { return }
        errors.append(error)
        if !aborting && !parentCancelRequested {
            abort()
            parentCancelRequested = true
            cancelParent()
        }
    }

    /// Cancels every task still running, in the order they were made (asyncio's
    /// `_abort`).
    private func abort() {
        aborting = true
        for id in running.keys.sorted() { running[id]?() }
    }

    /// asyncio's `__aexit__`: once the body has ended with `bodyOutcome`, waits for the
    /// tasks and decides what the scope returns or throws.
    nonisolated(nonsending) func exit<T: Sendable>(after bodyOutcome: Result<T, any Error>) async throws -> T {
        exiting = true
        // A body that ends with CancellationError propagates it, unless the group itself
        // cancelled the body (a task failed) and nobody cancelled the caller (asyncio:
        // `uncancel() == 0`). The caller's task is cancelled only from outside.
        var propagateCancellation = false
        if case .failure(let error) = bodyOutcome {
            propagateCancellation = error is CancellationError && (!parentCancelRequested || Task.isCancelled)
            if !aborting { abort() }
        }
        // Cancelled while waiting for the tasks, before anything else cancelled them.
        _ = await signal.wait(on: loop) { running.isEmpty } onCancel: {
            if !aborting {
                propagateCancellation = true
                abort()
            }
        }
        if propagateCancellation && errors.isEmpty { throw CancellationError() }
        var all = errors
        if case .failure(let error) = bodyOutcome, !(error is CancellationError) { all.append(error) }
        if !all.isEmpty { throw ExceptionGroup("unhandled errors in a TaskGroup", all) }
        return try bodyOutcome.get()
    }
}

extension LoopTaskGroup: CustomStringConvertible {
    /// asyncio's `repr`: `<TaskGroup tasks=2 errors=1 cancelling>`, `<TaskGroup entered>`.
    public var description: String {
        var text = "<TaskGroup"
        if !running.isEmpty { text += " tasks=\(running.count)" }
        if !errors.isEmpty { text += " errors=\(errors.count)" }
        text += aborting ? " cancelling" : " entered"
        return text + ">"
    }
}

extension EventLoop {
    /// Runs `body` with a `LoopTaskGroup` whose tasks run on this loop, and returns once
    /// the body and every task have ended: asyncio's `async with asyncio.TaskGroup() as
    /// tg`. The rules are on `LoopTaskGroup`.
    ///
    /// ```swift
    /// try await loop.taskGroup { group in
    ///     for client in clients {
    ///         try group.createTask { try await serve(client) }
    ///     }
    /// }   // every task done; the first failure cancelled the rest
    /// ```
    ///
    /// `body` runs as its own task on this loop, isolated to it like the caller, so that
    /// the group can cancel it when a task fails (Swift cannot "uncancel" the caller's task
    /// afterwards the way asyncio does).
    @discardableResult
    public func taskGroup<T: Sendable>(
        file: StaticString = #fileID, line: UInt = #line,
        _ body: nonisolated(nonsending) @escaping (LoopTaskGroup) async throws -> T
    ) async throws -> T {
        // The body's loop parameter is this loop: the compiler cannot prove that one
        // isolated value is the other, so what the body shares with the caller is handed
        // over unchecked (as createTask does).
        nonisolated(unsafe) let group = LoopTaskGroup(loop: self)
        nonisolated(unsafe) let body = body
        let parent = spawnTask(file: file, line: line) { _ in try await body(group) }
        group.cancelParent = { parent.cancel() }
        let bodyOutcome = await withTaskCancellationHandler {
            await parent.result
        } onCancel: {
            parent.cancel()
        }
        return try await group.exit(after: bodyOutcome)
    }
}
