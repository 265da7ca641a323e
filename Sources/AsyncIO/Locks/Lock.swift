/// A mutual-exclusion lock for tasks on one loop: asyncio's `Lock`. Not owned by a task:
/// any of the loop's code may release it.
///
/// `acquire` takes the lock at once when it is free and nobody waits; otherwise the task
/// waits its turn, first come, first served (`release` wakes the longest-waiting task and
/// the lock stays reserved for it until it runs, so a newcomer cannot jump the line).
/// A waiting `acquire` whose task is cancelled throws `CancellationError` without the
/// lock; if it had already been woken it passes the wake-up to the next in line, so the
/// lock is never left free while someone waits.
///
/// Use `withLock { … }` (asyncio's `async with lock:`), or `acquire` and `release`.
///
/// Loop-bound: use it on its loop's thread only (from tasks made with `createTask`, or
/// callbacks), like `Queue`.
public final class Lock: Lockable {
    /// The loop the lock belongs to (asyncio binds a lock to the running loop).
    public let loop: EventLoop

    /// Whether the lock is acquired (asyncio's `locked()`).
    public private(set) var locked = false

    private let waiters = WaiterLine()
    /// A waiter was woken by `release` and has not run yet: the lock is promised to it.
    /// (asyncio keeps that waiter's resolved future first in `_waiters` until it runs.)
    private var handoffPending = false

    /// An unlocked lock on `loop` (asyncio's `Lock()`).
    public init(loop: isolated EventLoop) {
        self.loop = loop
    }

    /// Acquires the lock, waiting while it is held or others wait for it (asyncio's
    /// `acquire`). Throws `CancellationError` if the task is cancelled while it waits (it
    /// then does not hold the lock).
    nonisolated(nonsending) public func acquire() async throws {
        loop.assertOnLoopThread()
        if !locked && waiters.count == 0 && !handoffPending {
            locked = true
            return
        }
        do {
            try await waiters.wait(on: loop) { false }
        } catch {
            // Cancelled in line, never woken: keep the invariant that a free lock with
            // waiters has one of them on its way.
            if !locked { wakeFirst() }
            throw error
        }
        handoffPending = false
        if Task.isCancelled {
            // Woken, then cancelled before it ran: the turn goes to the next in line.
            if !locked { wakeFirst() }
            throw CancellationError()
        }
        locked = true
    }

    /// Releases the lock and wakes the longest-waiting task, if any (asyncio's `release`).
    /// Throws `LockUsageError.lockNotAcquired` if the lock is not acquired.
    public func release() throws(LockUsageError) {
        loop.assertOnLoopThread()
        guard locked else { throw .lockNotAcquired }
        locked = false
        wakeFirst()
    }

    /// Acquires the lock even if the task is or gets cancelled: `Condition.wait` must
    /// return holding the lock whatever happened (asyncio loops on `acquire`, catching
    /// `CancelledError`).
    nonisolated(nonsending) func acquireIgnoringCancellation() async {
        do {
            try await acquire()
            return
        } catch {
            // Cancelled: every further wait of this task would throw at once, so a task
            // that is not cancelled waits in line instead (the lock has no owner, so it
            // may take it for us), and awaiting a task's value ignores cancellation.
        }
        // The lock belongs to the loop the helper runs on (the compiler cannot see that a
        // task body's loop parameter is this lock's loop).
        nonisolated(unsafe) let lock = self
        let helper = loop.spawnTask { _ in try await lock.acquire() }
        // The helper throws only if the loop cancels it while shutting down; the lock
        // is then not held, and the caller's release reports that.
        _ = try? await helper.value
    }

    /// How many tasks wait for the lock, including one woken that has not run yet
    /// (asyncio's `len(lock._waiters)`).
    var waitingCount: Int { waiters.count + (handoffPending ? 1 : 0) }

    /// Wakes the first waiter unless one is already on its way (asyncio's
    /// `_wake_up_first`).
    private func wakeFirst() {
        guard !handoffPending, waiters.count > 0 else { return }
        handoffPending = true
        waiters.wakeNext()
    }
}

extension Lock: CustomStringConvertible {
    /// asyncio's `repr(lock)` without the address: `<Lock [locked, waiters:2]>`.
    public var description: String {
        lockDescription(type: "Lock", state: locked ? "locked" : "unlocked", waiters: waitingCount)
    }
}

/// The shape of asyncio's reprs of its locks: `<Type [state, waiters:N]>`, with the
/// waiters left out when there are none. Written once for every primitive in Locks.
func lockDescription(type: String, state: String, waiters: Int) -> String {
    waiters > 0 ? "<\(type) [\(state), waiters:\(waiters)]>" : "<\(type) [\(state)]>"
}
