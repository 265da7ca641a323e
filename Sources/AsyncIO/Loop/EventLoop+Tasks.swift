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
    /// The body runs isolated to the loop, as the caller's code does, so it may use the
    /// caller's loop objects and shared state. It starts on the next iteration, after what
    /// is already ready (asyncio's default task factory; there is no eager start, see
    /// docs/concurrency.md). `file` and `line` name the task in reports, e.g. when it
    /// outlives `EventLoop.run`'s shutdown.
    @discardableResult
    public func createTask<T: Sendable>(
        file: StaticString = #fileID, line: UInt = #line,
        _ operation: nonisolated(nonsending) @escaping () async throws -> T
    ) -> Task<T, any Error> {
        // The body's loop parameter is this loop, which the compiler cannot prove.
        nonisolated(unsafe) let operation = operation
        return spawnTask(file: file, line: line) { _ in try await operation() }
    }

    /// `createTask` for the library's loop-thread code that the compiler does not know as
    /// the loop's (protocol methods, libuv callbacks); checks the thread at run time.
    ///
    /// The body takes the loop as its isolated parameter, which makes it the loop's code
    /// wherever the closure is written: a closure written in nonisolated code and typed
    /// `nonisolated(nonsending)` still runs nonisolated (Swift 6.3 wraps it), and each of
    /// its waits then costs three trips through the ready queue instead of one.
    @discardableResult
    nonisolated func spawnTask<T: Sendable>(
        file: StaticString = #fileID, line: UInt = #line,
        _ operation: @escaping (isolated EventLoop) async throws -> T
    ) -> Task<T, any Error> {
        assertOnLoopThread()
        let id = registerTask(file: file, line: line)
        // `operation` belongs to this loop (createTask is isolated to it; the library's
        // callers are on its thread), and the task runs only on the loop's thread: handing
        // it over is safe, though the compiler cannot see an executor preference as
        // isolation.
        nonisolated(unsafe) let operation = operation
        let task = Task(executorPreference: self) { [unowned self] in
            defer { self.liveTasks[id] = nil }
            return try await operation(self)
        }
        trackTask(task, id: id)
        return task
    }

    /// Registers a task about to start, so `EventLoop.run` can cancel it if it outlives
    /// the run; `trackTask` completes the entry.
    private nonisolated func registerTask(file: StaticString, line: UInt) -> UInt64 {
        nextTaskID &+= 1
        liveTasks[nextTaskID] = LiveTask(cancel: {}, wait: {}, origin: "<Task created at \(file):\(line)>")
        return nextTaskID
    }

    /// Completes the registration of `task`, unless it already finished.
    private nonisolated func trackTask<T: Sendable>(_ task: Task<T, any Error>, id: UInt64) {
        guard let entry = liveTasks[id] else { return }
        liveTasks[id] = LiveTask(cancel: { task.cancel() }, wait: { _ = await task.result }, origin: entry.origin)
    }

    /// Runs the loop until `operation`, run as a task on it, finishes; returns its result
    /// or throws its error: asyncio's `run_until_complete`.
    ///
    /// `operation` is isolated to the loop (its parameter is the loop, `isolated`), so it
    /// calls the loop's methods and uses the objects they return synchronously, and may
    /// share plain classes with the handlers and tasks it starts.
    public nonisolated func runUntilComplete<T: Sendable>(
        _ operation: @escaping (isolated EventLoop) async throws -> T
    ) throws -> T {
        guard !isClosed else { throw EventLoopError.closed }
        let outcome = Outcome<T>()
        // The caller's thread runs the loop until this returns, so `operation` and what it
        // captures are used on that thread only; a task is the only way to start it there.
        nonisolated(unsafe) let operation = operation
        let task = Task(executorPreference: self) { [unowned self] in
            do {
                let value = try await operation(self)
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
    public static func run<T: Sendable>(
        debug: Bool = false,
        leftoverTaskGracePeriod: Duration = .seconds(5),
        _ main: @escaping (isolated EventLoop) async throws -> T
    ) throws -> T {
        let loop = try EventLoop()
        loop.debug = debug
        defer {
            loop.cancelLeftoverTasks(gracePeriod: leftoverTaskGracePeriod)
            try? loop.close()
        }
        return try loop.runUntilComplete(main)
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
        let deadline = scheduleLater(gracePeriod) { [unowned self] in self.stop() }
        _ = try? runUntilComplete { _ in
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
