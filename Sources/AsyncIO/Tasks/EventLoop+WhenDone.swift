extension EventLoop {
    /// Calls `callback` on the loop with `task`'s outcome once the task has finished:
    /// asyncio's `add_done_callback`, for a Swift task. A Swift task has no callbacks, so a
    /// small watcher task on this loop waits for it (one extra trip through the ready
    /// queue per watched task). A task that is already done is reported on the next
    /// iteration, never inline, as asyncio's done callbacks are.
    ///
    /// The one way the task helpers (`gather`, `wait`, `asCompleted`, `shield`,
    /// `LoopTaskGroup`) learn that a task finished.
    nonisolated func whenDone<T: Sendable>(
        _ task: Task<T, any Error>, _ callback: @escaping (Result<T, any Error>) -> Void
    ) {
        assertOnLoopThread()
        // `callback` belongs to this loop's code (every caller is on its thread) and the
        // watcher runs only on the loop's thread; as in spawnTask, the compiler cannot see
        // an executor preference as isolation.
        nonisolated(unsafe) let callback = callback
        Task(executorPreference: self) {
            let outcome = await task.result
            callback(outcome)
        }
    }
}
