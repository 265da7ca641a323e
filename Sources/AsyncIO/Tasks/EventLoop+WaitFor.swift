extension EventLoop {
    /// Waits for `task` for at most `timeout` (nil: no limit): asyncio's `await
    /// asyncio.wait_for(task, timeout)`.
    ///
    /// When the timeout passes, the task is cancelled and waited for; if it then ends with
    /// `CancellationError`, `waitFor` throws `TimeoutError`, otherwise what the task
    /// returned or threw (a task that swallows its cancellation and returns a value
    /// returns it, as in asyncio 3.12+). Cancelling the caller cancels the task too and
    /// throws `CancellationError` once it ended. A timeout of zero or less cancels the
    /// task at once (unless it already finished) and waits for it. It is the scope of
    /// `timeout(_:_:)` around the task.
    public func waitFor<T: Sendable>(_ task: Task<T, any Error>, timeout: Duration?) async throws -> T {
        if let timeout, timeout <= .zero {
            // asyncio 3.12+: no scope, the task is cancelled and waited for right away.
            task.cancel()
            let outcome = await task.result
            if case .failure(let error) = outcome, error is CancellationError { throw TimeoutError() }
            return try outcome.get()
        }
        return try await runTimeoutScope(on: self, when: timeout.map { deadline(after: $0) }) { _ in
            try await withTaskCancellationHandler {
                try await task.value
            } onCancel: {
                task.cancel()
            }
        }
    }

    /// Runs `operation` as a task on this loop and waits for it for at most `timeout`:
    /// asyncio's `await asyncio.wait_for(coroutine, timeout)`. With a timeout of zero or
    /// less it throws `TimeoutError` without starting `operation` (asyncio cancels the
    /// new task before its first step).
    public func waitFor<T: Sendable>(
        timeout: Duration?,
        file: StaticString = #fileID, line: UInt = #line,
        _ operation: nonisolated(nonsending) @escaping () async throws -> T
    ) async throws -> T {
        if let timeout, timeout <= .zero { throw TimeoutError() }
        return try await waitFor(createTask(file: file, line: line, operation), timeout: timeout)
    }
}
