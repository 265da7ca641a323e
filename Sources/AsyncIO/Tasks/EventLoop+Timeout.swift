extension EventLoop {
    /// Runs `body` with a deadline `delay` from now: asyncio's `async with
    /// asyncio.timeout(delay) as cm`. nil sets no deadline (one can be set later with
    /// `reschedule`).
    ///
    /// When the deadline passes, `body` is cancelled; if it then ends by throwing
    /// `CancellationError`, `TimeoutError` is thrown instead. A body that finishes anyway
    /// returns its result, and another error it throws passes through, as in asyncio.
    /// `body` gets the scope's `Timeout`, to read or move the deadline. Cancelling the
    /// caller cancels `body`, and that is not a timeout: the caller gets
    /// `CancellationError` even if the deadline passed too (asyncio: only the outermost
    /// affected scope converts its own cancellation).
    ///
    /// `body` runs as its own task on this loop, isolated to it like the caller, because
    /// Swift cannot "uncancel" the caller's task the way asyncio's timeout does; the
    /// caller waits for it to end.
    public func timeout<T: Sendable>(
        _ delay: Duration?,
        _ body: nonisolated(nonsending) @escaping (Timeout) async throws -> T
    ) async throws -> T {
        try await runTimeoutScope(on: self, when: delay.map { deadline(after: $0) }, body)
    }

    /// `timeout(_:_:)` with a deadline at `when` on the loop's clock (`time()`), nil for
    /// none: asyncio's `asyncio.timeout_at(when)`.
    public func timeoutAt<T: Sendable>(
        _ when: Double?,
        _ body: nonisolated(nonsending) @escaping (Timeout) async throws -> T
    ) async throws -> T {
        try await runTimeoutScope(on: self, when: when, body)
    }
}

/// Runs `body` with a deadline: asyncio's `asyncio.timeout(delay)` / `wait_for`, as
/// `loop.timeout(delay) { _ in … }` on the caller's loop (the same scope; see there).
///
/// Call it from code isolated to an `EventLoop` (`isolation` is the caller's, filled in
/// by the compiler); anywhere else it stops the program with that message.
public func withTimeout<T: Sendable>(
    _ delay: Duration,
    isolation: isolated (any Actor)? = #isolation,
    _ body: nonisolated(nonsending) @escaping () async throws -> T
) async throws -> T {
    guard let loop = isolation as? EventLoop else {
        preconditionFailure("withTimeout must be called from code isolated to an EventLoop "
            + "(inside EventLoop.run { loop in … }, a loop task, or a function taking `isolated EventLoop`)")
    }
    return try await runTimeoutScope(on: loop, when: loop.deadline(after: delay), isolation: isolation) { _ in
        try await body()
    }
}

/// The one implementation of a timeout scope, behind `timeout`, `timeoutAt`,
/// `withTimeout` and `waitFor`. Runs in its caller's isolation, which must be
/// `loop`.
func runTimeoutScope<T: Sendable>(
    on loop: EventLoop,
    when: Double?,
    isolation: isolated (any Actor)? = #isolation,
    _ body: nonisolated(nonsending) @escaping (Timeout) async throws -> T
) async throws -> T {
    loop.assertOnLoopThread()
    // The child's loop parameter is `loop`, the caller's isolation: the compiler cannot
    // prove that one isolated value is the other, so what the child shares with the
    // caller is handed over unchecked.
    nonisolated(unsafe) let scope = Timeout(loop: loop, when: when)
    nonisolated(unsafe) let body = body
    let child = loop.spawnTask { _ in try await body(scope) }
    scope.cancelBody = { child.cancel() }
    // Entering an active scope cannot fail.
    try? scope.reschedule(when)
    let outcome = await withTaskCancellationHandler {
        _ = isolation  // keeps the body in the caller's isolation (see EventLoop.suspend)
        return await child.result
    } onCancel: {
        child.cancel()
    }
    let expired = scope.exit()
    if case .failure(let error) = outcome, error is CancellationError, expired, !Task.isCancelled {
        throw TimeoutError()
    }
    return try outcome.get()
}
