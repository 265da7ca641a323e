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
        let state = GatherState<T>()
        for task in tasks {
            let index = state.addSlot()
            whenDone(task) { outcome in state.record(outcome, at: index) }
        }
        try await waitForGather(state, returnExceptions: returnExceptions) {
            for task in tasks { task.cancel() }
        }
        return state.results.map { $0! }
    }

    /// `gather(_:)` for tasks of different types, returning a tuple:
    /// `let (user, posts) = try await loop.gather(userTask, postsTask)` (asyncio's
    /// `gather(*aws)` with awaitables of different result types). Same rules.
    public func gather<each T: Sendable>(_ tasks: repeat Task<each T, any Error>) async throws -> (repeat each T) {
        let state = GatherState<Void>()
        var cancels: [@Sendable () -> Void] = []
        for task in repeat each tasks {
            let index = state.addSlot()
            whenDone(task) { outcome in state.record(outcome.map { _ in () }, at: index) }
            cancels.append { task.cancel() }
        }
        try await waitForGather(state, returnExceptions: false) {
            for cancel in cancels { cancel() }
        }
        // Every task has finished with a result: reading them does not wait.
        return (repeat try await (each tasks).value)
    }

    /// The wait of every `gather`: until each task finished, or (without
    /// `returnExceptions`) one failed; the caller's cancellation runs `cancelAll` and the
    /// wait goes on. Throws what `gather` throws instead of returning its results.
    private func waitForGather<T: Sendable>(
        _ state: GatherState<T>, returnExceptions: Bool, cancelAll: () -> Void
    ) async throws {
        let cancelled = await state.signal.wait(on: self) {
            state.finished == state.results.count || (!returnExceptions && state.firstError != nil)
        } onCancel: {
            cancelAll()
        }
        if !returnExceptions, let error = state.firstError { throw error }
        if cancelled { throw CancellationError() }
    }
}

/// The outcomes `gather` has collected so far, one slot per task given. Loop thread only.
private final class GatherState<T: Sendable> {
    private(set) var results: [Result<T, any Error>?] = []
    private(set) var finished = 0
    private(set) var firstError: (any Error)?
    let signal = CompletionSignal()

    /// A slot for one more task; returns its index.
    func addSlot() -> Int {
        results.append(nil)
        return results.count - 1
    }

    func record(_ outcome: Result<T, any Error>, at index: Int) {
        results[index] = outcome
        finished += 1
        if case .failure(let error) = outcome, firstError == nil { firstError = error }
        signal.signal()
    }
}
