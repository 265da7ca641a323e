/// A meeting point for a fixed number of tasks on one loop: asyncio 3.13's `Barrier`.
/// Each task calls `wait()`; once `parties` tasks wait, all of them go on together, each
/// with a different index from 0 to `parties - 1`, and the barrier can be used again.
///
/// While the released tasks leave (draining), newcomers wait for the next round. `reset()`
/// sends the waiting tasks away with `BrokenBarrierError` and starts over; `abort()`
/// breaks the barrier: every waiting and later `wait()` throws `BrokenBarrierError` until
/// a `reset()`. A waiting task that is cancelled leaves the barrier (it is no longer
/// counted) and throws `CancellationError`.
///
/// asyncio's `async with barrier as i:` does nothing on exit: in Swift it is
/// `let i = try await barrier.wait()`.
///
/// Loop-bound: use it on its loop's thread only, like `Queue`.
public final class Barrier {
    /// asyncio's `_BarrierState`; the raw values are what asyncio's repr prints.
    private enum State: String {
        case filling, draining, resetting, broken
    }

    /// How many tasks must wait for the barrier to release them (asyncio's `parties`).
    public let parties: Int

    /// Guards the state and wakes the tasks when it changes (asyncio's `_cond`).
    private let condition: Condition
    private var state = State.filling
    /// Tasks inside `wait`: waiting while filling, leaving while draining.
    private var count = 0

    /// A barrier on `loop` for `parties` tasks (asyncio's `Barrier(parties)`). Throws
    /// `LockUsageError.barrierPartiesNotPositive` if `parties` is less than 1.
    public init(parties: Int, loop: isolated EventLoop) throws(LockUsageError) {
        guard parties >= 1 else { throw .barrierPartiesNotPositive(parties) }
        self.parties = parties
        condition = Condition(loop: loop)
    }

    /// The loop the barrier belongs to.
    public var loop: EventLoop { condition.loop }

    /// How many tasks wait for the barrier to fill; 0 while it drains, resets or is
    /// broken (asyncio's `n_waiting`).
    public var nWaiting: Int { state == .filling ? count : 0 }

    /// Whether the barrier is broken by `abort()` (asyncio's `broken`).
    public var broken: Bool { state == .broken }

    /// Waits until `parties` tasks wait, then returns this task's index, from 0 to
    /// `parties - 1` (asyncio's `wait`). If the barrier is draining or resetting it first
    /// waits for that to end. Throws `BrokenBarrierError` if the barrier is broken or
    /// gets reset or aborted while the task waits, `CancellationError` if the task is
    /// cancelled.
    @discardableResult
    nonisolated(nonsending) public func wait() async throws -> Int {
        try await condition.withLock {
            try await blockWhileDrainingOrResetting()
            let index = count
            count += 1
            defer {
                count -= 1
                leave()
            }
            if index + 1 == parties {
                // The last party: release the others.
                state = .draining
                condition.wakeAll()
            } else {
                try await waitUntilReleased()
            }
            return index
        }
    }

    /// Sends every waiting task away with `BrokenBarrierError` and returns the barrier to
    /// filling once they have left; a broken barrier is usable again (asyncio's `reset`).
    /// Throws `CancellationError` if the task is cancelled while it waits for the lock.
    nonisolated(nonsending) public func reset() async throws {
        try await condition.withLock {
            if count > 0 {
                state = .resetting
            } else {
                state = .filling
            }
            condition.wakeAll()
        }
    }

    /// Breaks the barrier: every waiting task and every later `wait()` throws
    /// `BrokenBarrierError` until `reset()` (asyncio's `abort`). Throws
    /// `CancellationError` if the task is cancelled while it waits for the lock.
    nonisolated(nonsending) public func abort() async throws {
        try await condition.withLock {
            state = .broken
            condition.wakeAll()
        }
    }

    /// Waits while the tasks of the last round leave or a reset completes, then throws if
    /// the barrier is broken (asyncio's `_block`).
    nonisolated(nonsending) private func blockWhileDrainingOrResetting() async throws {
        try await condition.waitFor { state != .draining && state != .resetting }
        if state == .broken { throw BrokenBarrierError.aborted }
    }

    /// Waits for the last party, throwing if a reset or abort comes first (asyncio's
    /// `_wait`).
    nonisolated(nonsending) private func waitUntilReleased() async throws {
        try await condition.waitFor { state != .filling }
        if state == .broken || state == .resetting {
            throw BrokenBarrierError.resetOrAbortedWhileWaiting
        }
    }

    /// The last task out ends the draining or resetting; everyone blocked is told
    /// (asyncio's `_exit`).
    private func leave() {
        if count == 0 {
            if state == .resetting || state == .draining { state = .filling }
            condition.wakeAll()
        }
    }

    /// The tasks inside `wait` (asyncio's `_count`), for tests.
    var tasksInside: Int { count }
}

extension Barrier: CustomStringConvertible {
    /// asyncio's `repr(barrier)` without the address: `<Barrier [filling, waiters:2/5]>`,
    /// or `<Barrier [broken]>`.
    public var description: String {
        broken ? "<Barrier [broken]>" : "<Barrier [\(state.rawValue), waiters:\(nWaiting)/\(parties)]>"
    }
}
