extension EventLoop {
    /// `runCoroutineThreadsafe` whose body is this loop's own code: it gets the loop,
    /// `isolated`, so it calls the loop's methods (`createServer`, `openConnection`,
    /// `connectAcceptedSocket`, `createTask`, …) and uses the objects they return as a
    /// handler does; only its `Sendable` result leaves the loop.
    ///
    /// This is how code on one loop of an `EventLoopGroup` runs work on another and gets
    /// the result back (asyncio's `run_coroutine_threadsafe(coro, other_loop).result()`,
    /// awaited instead of blocking). The body runs once, on this loop's thread; the result
    /// is delivered once, to the caller; cancelling the caller cancels the body. The body
    /// is `@Sendable`: it cannot capture the caller's loop-bound objects (a writer, a
    /// future, a server of another loop), and its result must be `Sendable`, so no
    /// loop-bound object crosses in either direction; the compiler rejects both
    /// (Tests/CompileChecks/group-*.swift). (A `sending` body, which could take
    /// freshly made values along, trips Swift 6.3's region checker at call sites.)
    public nonisolated func runCoroutineThreadsafe<T: Sendable>(
        _ operation: @escaping @Sendable (isolated EventLoop) async throws -> T
    ) async throws -> T {
        try await runCoroutineThreadsafe { [self] in try await operation(self) }
    }
}
