extension EventLoop {
    /// Waits for `tasks` until `returnWhen` holds or `timeout` passes, and returns which
    /// have finished and which have not: asyncio's `done, pending = await
    /// asyncio.wait(tasks, timeout=…, return_when=…)`.
    ///
    /// The tasks are not cancelled, neither on timeout (no `TimeoutError`: the pending set
    /// says what did not finish) nor when the caller is cancelled (then `wait` throws
    /// `CancellationError` at once and the tasks go on). A task given twice counts once.
    /// `done` holds every task known to have finished when `wait` returns, so it may hold
    /// more than the first. Throws `InvalidArgumentError` for no tasks (asyncio's
    /// `ValueError`).
    public func wait<T: Sendable>(
        _ tasks: some Sequence<Task<T, any Error>>,
        timeout: Duration? = nil,
        returnWhen: ReturnWhen = .allCompleted
    ) async throws -> (done: Set<Task<T, any Error>>, pending: Set<Task<T, any Error>>) {
        let all = Set(tasks)
        guard !all.isEmpty else { throw InvalidArgumentError("Set of Tasks/Futures is empty.") }
        let state = WaitState<T>()
        for task in all {
            whenDone(task) { outcome in state.record(task, outcome) }
        }
        var timer: TimerHandle?
        if let timeout {
            timer = callLater(timeout) {
                state.timedOut = true
                state.signal.signal()
            }
        }
        defer { timer?.cancel() }
        try await state.signal.wait(on: self) {
            state.timedOut || state.done.count == all.count
                || (returnWhen == .firstCompleted && !state.done.isEmpty)
                || (returnWhen == .firstException && state.failed)
        }
        return (state.done, all.subtracting(state.done))
    }
}

/// What `wait` has seen finish so far. Loop thread only.
private final class WaitState<T: Sendable> {
    var done = Set<Task<T, any Error>>()
    /// Whether a task ended with an error other than `CancellationError`.
    var failed = false
    var timedOut = false
    let signal = CompletionSignal()

    func record(_ task: Task<T, any Error>, _ outcome: Result<T, any Error>) {
        done.insert(task)
        if case .failure(let error) = outcome, !(error is CancellationError) { failed = true }
        signal.signal()
    }
}
