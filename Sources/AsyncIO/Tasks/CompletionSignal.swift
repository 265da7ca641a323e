/// What a task-helper waits on (asyncio's waiter future inside `gather`, `wait`, `shield`
/// and `TaskGroup`): a condition on loop state, re-checked whenever `signal()` says it may
/// have changed. Loop thread only.
///
/// Two ways to wait, because asyncio's helpers treat the caller's cancellation two ways:
/// `wait(on:until:)` ends with `CancellationError` (asyncio's `wait`, `shield`,
/// `as_completed`: the caller leaves, the tasks go on), and
/// `wait(on:until:onCancel:)` reacts once and then goes on waiting (asyncio's `gather` and
/// `TaskGroup`: the children are cancelled and then waited for). A Swift task stays
/// cancelled, so the second wait cannot be a cancellable wait in a loop: after the first
/// cancellation it waits on a continuation that cancellation does not resume.
final class CompletionSignal {
    private let line = WaiterLine()
    private var uncancellable: [UnsafeContinuation<Void, Never>] = []

    /// Wakes every waiter, each to re-check its condition.
    func signal() {
        line.wakeAll()
        let woken = uncancellable
        uncancellable.removeAll()
        for continuation in woken { continuation.resume() }
    }

    /// Waits until `isDone` holds; throws `CancellationError` if the task is cancelled
    /// first (or already was).
    nonisolated(nonsending) func wait(on loop: EventLoop, until isDone: () -> Bool) async throws {
        while !isDone() {
            try await line.wait(on: loop, unless: isDone)
        }
    }

    /// Waits until `isDone` holds, whatever happens to the task. The first time the task
    /// is found cancelled (at once if it already is) `onCancel` runs, in the caller's code;
    /// returns whether that happened.
    nonisolated(nonsending) func wait(
        on loop: EventLoop, until isDone: () -> Bool, onCancel: () -> Void
    ) async -> Bool {
        var cancelled = false
        while !isDone() {
            if cancelled {
                await waitIgnoringCancellation(unless: isDone)
                continue
            }
            do {
                try await line.wait(on: loop, unless: isDone)
            } catch {
                cancelled = true
                onCancel()
            }
        }
        return cancelled
    }

    /// One wait for `signal()` that cancellation does not end; `isReady` is re-checked
    /// inside the suspension (the waiter rule).
    private func waitIgnoringCancellation(
        isolation: isolated (any Actor)? = #isolation, unless isReady: () -> Bool
    ) async {
        await withUnsafeContinuation(isolation: isolation) { (continuation: UnsafeContinuation<Void, Never>) in
            if isReady() {
                continuation.resume()
            } else {
                uncancellable.append(continuation)
            }
        }
    }
}
