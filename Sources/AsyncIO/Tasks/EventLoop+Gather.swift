extension EventLoop {
    /// Waits for every task and returns their results in the order given: asyncio's
    /// `await asyncio.gather(*tasks)`.
    ///
    /// The first task to fail makes `gather` throw its error at once; the other tasks are
    /// not cancelled and go on running (as in asyncio). Cancelling the caller cancels every
    /// task, and `gather` then throws the first error a task ends with (usually
    /// `CancellationError`), or `CancellationError` once they all finished. An empty list
    /// returns `[]`. A task may appear more than once.
    public func gather<T: Sendable>(_ tasks: [Task<T, any Error>]) async throws -> [T] {
        try await gather(tasks, returnExceptions: false).map { try $0.get() }
    }

    /// `gather` that, with `returnExceptions: true`, waits for every task and returns each
    /// one's outcome, errors (`CancellationError` included) in place of results:
    /// asyncio's `gather(*tasks, return_exceptions=True)`. Cancelling the caller cancels
    /// every task, waits for all of them, and throws `CancellationError`. With
    /// `returnExceptions: false` it behaves as `gather(_:)`.
    public func gather<T: Sendable>(
        _ tasks: [Task<T, any Error>], returnExceptions: Bool
    ) async throws -> [Result<T, any Error>] {
        let state = GatherState<T>(count: tasks.count)
        for (index, task) in tasks.enumerated() {
            whenDone(task) { outcome in state.record(outcome, at: index) }
        }
        let cancelled = await state.signal.wait(on: self) {
            state.finished == tasks.count || (!returnExceptions && state.firstError != nil)
        } onCancel: {
            for task in tasks { task.cancel() }
        }
        if !returnExceptions, let error = state.firstError { throw error }
        if cancelled { throw CancellationError() }
        return state.results.map { $0! }
    }
}

/// The outcomes `gather` has collected so far. Loop thread only.
private final class GatherState<T: Sendable> {
    var results: [Result<T, any Error>?]
    var finished = 0
    var firstError: (any Error)?
    let signal = CompletionSignal()

    init(count: Int) {
        results = Array(repeating: nil, count: count)
    }

    func record(_ outcome: Result<T, any Error>, at index: Int) {
        results[index] = outcome
        finished += 1
        if case .failure(let error) = outcome, firstError == nil { firstError = error }
        signal.signal()
    }
}
