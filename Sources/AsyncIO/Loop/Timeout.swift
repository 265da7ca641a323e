/// Runs `body` with a deadline: asyncio's `asyncio.timeout(delay)` / `wait_for`.
///
/// When `delay` passes first, `body` is cancelled and, if it then ends by throwing
/// `CancellationError`, `TimeoutError` is thrown instead. A body that finishes anyway
/// returns its result, as in asyncio. `body` runs as its own task on the caller's loop
/// (Swift cannot "uncancel" the caller's task the way asyncio's timeout does), isolated to
/// that loop like the caller, so it may use the caller's loop objects; cancelling the
/// caller cancels it. Call it from code isolated to an `EventLoop` (`isolation` is the
/// caller's, filled in by the compiler); anywhere else it stops the program with that
/// message.
public func withTimeout<T: Sendable>(
    _ delay: Duration,
    isolation: isolated (any Actor)? = #isolation,
    _ body: nonisolated(nonsending) @escaping () async throws -> T
) async throws -> T {
    guard let loop = isolation as? EventLoop else {
        preconditionFailure("withTimeout must be called from code isolated to an EventLoop "
            + "(inside EventLoop.run { loop in … }, a loop task, or a function taking `isolated EventLoop`)")
    }
    let deadline = Deadline()
    // The child's loop parameter is `loop`, the caller's isolation: the compiler cannot
    // prove that one isolated value is the other.
    nonisolated(unsafe) let body = body
    let child = loop.spawnTask { _ in try await body() }
    let timer = loop.scheduleLater(delay) {
        deadline.passed = true
        child.cancel()
    }
    defer { timer.cancel() }
    return try await withTaskCancellationHandler {
        _ = isolation  // keeps the body in the caller's isolation (see EventLoop.suspend)
        do {
            return try await child.value
        } catch is CancellationError where deadline.passed {
            throw TimeoutError()
        }
    } onCancel: {
        child.cancel()
    }
}

/// Set on the loop thread when the timer fires, read there when the body ends.
private final class Deadline: @unchecked Sendable {
    var passed = false
}
