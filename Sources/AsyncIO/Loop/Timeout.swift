/// Runs `body` with a deadline: asyncio's `asyncio.timeout(delay)` / `wait_for`.
///
/// When `delay` passes first, `body` is cancelled and, if it then ends by throwing
/// `CancellationError`, `TimeoutError` is thrown instead. A body that finishes anyway
/// returns its result, as in asyncio. `body` runs as its own task on the current loop; cancelling the caller cancels it.
public func withTimeout<T: Sendable>(
    _ delay: Duration,
    _ body: sending @escaping () async throws -> T
) async throws -> T {
    guard let loop = EventLoop.current else {
        preconditionFailure("withTimeout must be called from a task running on an EventLoop")
    }
    let deadline = Deadline()
    let child = Task(executorPreference: loop, operation: body)
    let timer = loop.callLater(delay) {
        deadline.passed = true
        child.cancel()
    }
    defer { timer.cancel() }
    return try await withTaskCancellationHandler {
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
