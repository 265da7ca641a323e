extension EventLoop {
    /// Waits for `task`, which the caller's cancellation does not cancel: asyncio's
    /// `await asyncio.shield(task)`.
    ///
    /// Cancelling the caller makes `shield` throw `CancellationError` at once; the task
    /// goes on running, and its result can still be awaited elsewhere. If the task itself
    /// ends with an error (`CancellationError` included), `shield` throws it.
    public func shield<T: Sendable>(_ task: Task<T, any Error>) async throws -> T {
        let state = ShieldState<T>()
        whenDone(task) { outcome in
            state.outcome = outcome
            state.signal.signal()
        }
        try await state.signal.wait(on: self) { state.outcome != nil }
        return try state.outcome!.get()
    }

    /// Starts `operation` as a task on this loop (`createTask`) and shields it: asyncio's
    /// `await asyncio.shield(coroutine)`.
    public func shield<T: Sendable>(
        file: StaticString = #fileID, line: UInt = #line,
        _ operation: nonisolated(nonsending) @escaping () async throws -> T
    ) async throws -> T {
        try await shield(createTask(file: file, line: line, operation))
    }
}

/// The shielded task's outcome, once it has one. Loop thread only.
private final class ShieldState<T: Sendable> {
    var outcome: Result<T, any Error>?
    let signal = CompletionSignal()
}
