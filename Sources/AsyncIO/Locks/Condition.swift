/// A condition variable for tasks on one loop: asyncio's `Condition`. Tasks holding its
/// lock `wait()` until another task `notify`s them; `wait` releases the lock while it
/// waits and holds it again when it returns.
///
/// Notified tasks are woken first come, first served. `wait` always returns or throws
/// with the lock held: a task cancelled while it waits still re-acquires the lock (in
/// its turn), then throws `CancellationError`, and passes a notification on to the next
/// waiter in case it had been notified (a spurious wake-up for that one, which the
/// condition-variable protocol allows: re-check the state, or use `waitFor`).
///
/// `locked`, `acquire`, `release` and `withLock` are the lock's, as in asyncio.
///
/// Loop-bound: use it on its loop's thread only, like `Queue`.
public final class Condition: Lockable {
    /// The loop the condition belongs to: its lock's.
    public var loop: EventLoop { lock.loop }

    /// The underlying lock (asyncio's `Condition(lock)`; a new one unless given).
    public let lock: Lock

    private let waiters = WaiterLine()

    /// A condition on `loop` with a new lock of its own (asyncio's `Condition()`).
    public init(loop: isolated EventLoop) {
        lock = Lock(loop: loop)
    }

    /// A condition using `lock`, which others may also acquire directly (asyncio's
    /// `Condition(lock)`). Its loop is the lock's, so the two cannot disagree (asyncio
    /// checks that at the first wait: "is bound to a different event loop").
    public init(lock: Lock) {
        self.lock = lock
    }

    /// Whether the underlying lock is acquired (asyncio's `locked()`).
    public var locked: Bool { lock.locked }

    /// Acquires the underlying lock (asyncio's `acquire`); see `Lock.acquire`.
    nonisolated(nonsending) public func acquire() async throws {
        try await lock.acquire()
    }

    /// Releases the underlying lock (asyncio's `release`); see `Lock.release`.
    public func release() throws(LockUsageError) {
        try lock.release()
    }

    /// Releases the lock, waits until notified, then re-acquires the lock (asyncio's
    /// `wait`). The lock must be acquired: throws `LockUsageError.waitOnUnacquiredLock`
    /// otherwise. If the task is cancelled meanwhile, it still re-acquires the lock before
    /// throwing `CancellationError`.
    ///
    /// It may return without the state the caller waits for (another task got there
    /// first), so re-check it after, or use `waitFor`.
    nonisolated(nonsending) public func wait() async throws {
        loop.assertOnLoopThread()
        guard lock.locked else { throw LockUsageError.waitOnUnacquiredLock }
        try lock.release()
        do {
            try await waiters.wait(on: loop) { false }
        } catch {
            // The only error is the task's cancellation: it is thrown once the lock is back.
        }
        await lock.acquireIgnoringCancellation()
        if Task.isCancelled {
            // Cancelled, maybe after a notify reached us: hand a notification on so it
            // is not lost (asyncio notifies one on any error out of wait).
            wake(1)
            throw CancellationError()
        }
    }

    /// Waits until `predicate` is true, checking it first and after each wake-up
    /// (asyncio's `wait_for`). The lock must be acquired when `predicate` is false:
    /// throws `LockUsageError.waitOnUnacquiredLock` otherwise. Throws
    /// `CancellationError` (with the lock held) if the task is cancelled while it waits.
    ///
    /// asyncio returns the predicate's last (truthy) value; a Swift predicate is a `Bool`,
    /// so there is nothing to return.
    nonisolated(nonsending) public func waitFor(_ predicate: () throws -> Bool) async throws {
        while try !predicate() {
            try await wait()
        }
    }

    /// Wakes up to `n` waiting tasks, longest-waiting first (asyncio's `notify(n=1)`).
    /// The lock must be acquired: throws `LockUsageError.notifyOnUnacquiredLock`
    /// otherwise. A woken task returns from `wait` only once it re-acquires the lock, so
    /// release it after notifying.
    public func notify(_ n: Int = 1) throws(LockUsageError) {
        loop.assertOnLoopThread()
        guard lock.locked else { throw .notifyOnUnacquiredLock }
        wake(n)
    }

    /// Wakes every waiting task (asyncio's `notify_all`). The lock must be acquired: throws
    /// `LockUsageError.notifyOnUnacquiredLock` otherwise.
    public func notifyAll() throws(LockUsageError) {
        try notify(waiters.count)
    }

    /// Wakes up to `n` waiters without the lock check: for `wait`'s hand-on and for
    /// `Barrier`, which holds the lock (asyncio's `_notify`).
    func wake(_ n: Int) {
        var left = n
        while left > 0, waiters.count > 0 {
            waiters.wakeNext()
            left -= 1
        }
    }

    /// Wakes every waiter without the lock check (asyncio's `_notify(len(_waiters))`).
    func wakeAll() {
        waiters.wakeAll()
    }

    /// How many tasks wait to be notified (asyncio's `len(condition._waiters)`, without
    /// the notified ones that have not run yet: they have left the line here).
    var waitingCount: Int { waiters.count }
}

extension Condition: CustomStringConvertible {
    /// asyncio's `repr(condition)` without the address: `<Condition [locked, waiters:1]>`.
    public var description: String {
        lockDescription(type: "Condition", state: locked ? "locked" : "unlocked", waiters: waitingCount)
    }
}
