/// A task created by `createTask`, remembered so `EventLoop.run` can cancel leftovers.
struct LiveTask {
    var cancel: @Sendable () -> Void
    var wait: @Sendable () async -> Void
    /// Where `createTask` was called: what a report about the task can point at.
    var origin: String
}

/// Carries a value out of a task into the synchronous caller that ran the loop.
private final class Outcome<T>: @unchecked Sendable {
    var result: Result<T, any Error>?
    /// Whether finishing the task stops the loop: only while its `runUntilComplete` runs
    /// (asyncio removes `_run_until_complete_cb` in `finally`), so a task that outlives
    /// the run that started it never stops a later run.
    var stopsLoop = true
}

extension EventLoop {
    /// Starts `operation` as a task that runs on this loop: asyncio's `create_task`.
    ///
    /// With `eager: true` (asyncio 3.12's eager tasks) and when called on the loop thread,
    /// the body runs at once, up to its first suspension. `file` and `line` name the task
    /// in reports, e.g. when it outlives `EventLoop.run`'s shutdown.
    @discardableResult
    public nonisolated func createTask<T: Sendable>(
        eager: Bool = false,
        file: StaticString = #fileID, line: UInt = #line,
        _ operation: sending @escaping () async throws -> T
    ) -> Task<T, any Error> {
        assertOnLoopThread()
        nextTaskID &+= 1
        let id = nextTaskID
        let origin = "<Task created at \(file):\(line)>"
        let body: () async throws -> T = { [unowned self] in
            defer { self.liveTasks[id] = nil }
            return try await operation()
        }
        liveTasks[id] = LiveTask(cancel: {}, wait: {}, origin: origin)
        let task: Task<T, any Error>
        if eager && isOnLoopThread {
            task = Task.immediate(executorPreference: self, operation: body)
        } else {
            task = Task(executorPreference: self, operation: body)
        }
        // An eager task may have finished already; only a live one stays registered.
        if liveTasks[id] != nil {
            liveTasks[id] = LiveTask(cancel: { task.cancel() }, wait: { _ = await task.result }, origin: origin)
        }
        return task
    }

    /// Runs the loop until `operation`, run as a task on it, finishes; returns its result
    /// or throws its error: asyncio's `run_until_complete`.
    public nonisolated func runUntilComplete<T>(_ operation: sending @escaping () async throws -> T) throws -> T {
        guard !isClosed else { throw EventLoopError.closed }
        let outcome = Outcome<T>()
        let task = Task(executorPreference: self) { [unowned self] in
            do {
                let value = try await operation()
                outcome.result = .success(value)
            } catch {
                outcome.result = .failure(error)
            }
            if outcome.stopsLoop { self.stop() }
        }
        defer { outcome.stopsLoop = false }
        do {
            try runForever()
        } catch {
            task.cancel()
            throw error
        }
        guard let result = outcome.result else { throw EventLoopError.stoppedBeforeCompletion }
        return try result.get()
    }

    /// asyncio's `asyncio.run(main())`: a new loop runs `main` as a task; then every task
    /// still running that was made with `createTask` is cancelled and awaited, and the
    /// loop is closed. Returns `main`'s result or throws its error.
    ///
    /// The wait for cancelled tasks is bounded by `leftoverTaskGracePeriod` (5 s by
    /// default, on the loop's clock). asyncio waits for all of them, because a cancelled
    /// Python task gets `CancelledError` thrown at its next `await`; a Swift task only
    /// sees a flag and may go on waiting (for a continuation nobody resumes, for an actor
    /// whose thread is blocked, for the main actor while the main thread is blocked), so
    /// an unbounded wait could hang the program silently. A task still running when the
    /// grace period ends is reported to the exception handler, the loop is closed
    /// without it, and if it resumes later its work is dropped.
    public static func run<T>(
        debug: Bool = false,
        leftoverTaskGracePeriod: Duration = .seconds(5),
        _ main: sending @escaping (EventLoop) async throws -> T
    ) throws -> T {
        let loop = try EventLoop()
        loop.debug = debug
        defer {
            loop.cancelLeftoverTasks(gracePeriod: leftoverTaskGracePeriod)
            try? loop.close()
        }
        return try loop.runUntilComplete { [unowned loop] in try await main(loop) }
    }

    /// Cancels the tasks made with `createTask` that are still running and runs the loop
    /// until they finish (asyncio.run's `_cancel_all_tasks`), or until `gracePeriod`
    /// passed: each task still running then is reported to the exception handler.
    nonisolated func cancelLeftoverTasks(gracePeriod: Duration = .seconds(5)) {
        let leftovers = liveTasks.sorted { $0.key < $1.key }
        guard !leftovers.isEmpty, !isClosed else { return }
        for (_, task) in leftovers { task.cancel() }
        // Stopping the loop ends the run below with stoppedBeforeCompletion; the waiting
        // task is left suspended, like the tasks it waits for.
        let deadline = callLater(gracePeriod) { [unowned self] in self.stop() }
        _ = try? runUntilComplete {
            for (_, task) in leftovers { await task.wait() }
        }
        deadline.cancel()
        for (id, task) in leftovers where liveTasks[id] != nil {
            callExceptionHandler(ExceptionContext(
                message: "\(task.origin) did not finish within \(gracePeriod) of being cancelled at "
                    + "shutdown; it may be waiting on another executor (MainActor.run while the "
                    + "main thread is blocked, or while the loop runs on the main thread without "
                    + "draining the main queue?) or ignoring cancellation (a continuation nobody "
                    + "resumes?). The loop is closed without it.",
                extra: ["task": task.origin]))
        }
    }

    /// Runs `operation` as a task on this loop and waits for its result, from any thread
    /// or task: asyncio's `run_coroutine_threadsafe(...).result()`. Cancelling the
    /// caller cancels the task on the loop.
    public nonisolated func runCoroutineThreadsafe<T: Sendable>(
        _ operation: sending @escaping () async throws -> T
    ) async throws -> T {
        guard !isClosed else { throw EventLoopError.closed }
        let task = Task(executorPreference: self, operation: operation)
        return try await withTaskCancellationHandler {
            try await task.value
        } onCancel: {
            task.cancel()
        }
    }
}
