import DequeModule

/// Tasks suspended until something changes, woken first come, first served (asyncio's
/// deques of futures in `Queue._getters` and `_putters`). Loop thread only.
final class WaiterLine {
    private var waiters = Deque<LoopWaiter<Void>>()

    var count: Int { waiters.count }

    /// Suspends the current task in the line until `wakeNext` or `wakeAll` reaches it, or
    /// the task is cancelled (then it leaves the line and throws `CancellationError`).
    /// `isReady` is re-checked inside the suspension (the waiter rule): if it already
    /// holds, the task does not wait.
    nonisolated(nonsending) func wait(on loop: EventLoop, unless isReady: () -> Bool) async throws {
        try await loop.suspend { (waiter: LoopWaiter<Void>) in
            if isReady() {
                waiter.resume(returning: ())
                return
            }
            waiters.append(waiter)
            waiter.onCancel = { [unowned self] in
                if let index = waiters.firstIndex(where: { $0 === waiter }) {
                    waiters.remove(at: index)
                }
            }
        }
    }

    /// Wakes the longest-waiting task, if any (asyncio's `_wakeup_next`). A woken waiter
    /// has left the line, so a later cancellation of its task cannot find it there.
    func wakeNext() {
        while let waiter = waiters.popFirst() {
            if !waiter.isDone {
                waiter.resume(returning: ())
                return
            }
        }
    }

    /// Wakes every waiting task, in the order they came.
    func wakeAll() {
        let woken = waiters
        waiters.removeAll()
        for waiter in woken { waiter.resume(returning: ()) }
    }
}
