/// A counter of free slots for tasks on one loop: asyncio's `Semaphore`. `acquire` takes a
/// slot (waiting while there is none), `release` gives one back; `release` may be called
/// more often than `acquire` (see `BoundedSemaphore` for a checked one).
///
/// First come, first served: while tasks wait, a newcomer waits behind them even if a
/// slot is free (it is promised to the woken waiters), and a task that acquires wakes as
/// many waiters as there are free slots. A waiting `acquire` whose task is cancelled
/// throws `CancellationError` without a slot; if it had already been woken (and so given
/// a slot) it gives the slot back and wakes the next waiter.
///
/// Loop-bound: use it on its loop's thread only, like `Queue`.
///
/// Glibc (and so Foundation on Linux) has a `Semaphore` typealias of its own: in a file
/// that imports either, `Semaphore(value:loop:)` still resolves, but where a type is
/// expected alone (`let s: Semaphore`, `as? Semaphore`) write `AsyncIO.Semaphore`.
public final class Semaphore: Lockable {
    /// The loop the semaphore belongs to (asyncio binds a semaphore to the running loop).
    public let loop: EventLoop

    /// The free slots (asyncio's `_value`): the initial value, less the slots taken and
    /// those promised to woken waiters, plus the releases.
    private(set) var value: Int

    private let waiters = WaiterLine()
    /// Waiters woken by a release that have not run yet; each was given a slot.
    private var wokenNotRun = 0

    /// A semaphore on `loop` with `value` free slots (asyncio's `Semaphore(value=1)`).
    /// Throws `LockUsageError.negativeSemaphoreValue` if `value` is negative.
    public init(value: Int = 1, loop: isolated EventLoop) throws(LockUsageError) {
        guard value >= 0 else { throw .negativeSemaphoreValue(value) }
        self.value = value
        self.loop = loop
    }

    /// Whether `acquire` would wait: no free slot, or tasks waiting ahead (asyncio's
    /// `locked()`).
    public var locked: Bool { value == 0 || waitingCount > 0 }

    /// Takes a slot, waiting while there is none or others wait ahead (asyncio's
    /// `acquire`). Throws `CancellationError` if the task is cancelled while it waits (it
    /// then holds no slot).
    nonisolated(nonsending) public func acquire() async throws {
        loop.assertOnLoopThread()
        if !locked {
            value -= 1
            return
        }
        // The slot is taken by `wakeNext` on our behalf when it wakes us.
        do {
            try await waiters.wait(on: loop) { false }
        } catch {
            wakeWhileSlotsFree()
            throw error
        }
        wokenNotRun -= 1
        if Task.isCancelled {
            value += 1
            wakeWhileSlotsFree()
            throw CancellationError()
        }
        // Waiters that came while slots were promised to others may be due now.
        wakeWhileSlotsFree()
    }

    /// Gives a slot back and wakes the longest-waiting task, if any (asyncio's `release`).
    /// Never throws: the `throws` is `Lockable`'s, for `BoundedSemaphore`.
    public func release() {
        loop.assertOnLoopThread()
        value += 1
        wakeNext()
    }

    /// How many tasks wait, including those woken that have not run yet (asyncio's
    /// `len(semaphore._waiters)`).
    var waitingCount: Int { waiters.count + wokenNotRun }

    /// Wakes the first waiter and gives it a slot; false if nobody waits (asyncio's
    /// `_wake_up_next`).
    @discardableResult
    private func wakeNext() -> Bool {
        guard waiters.count > 0 else { return false }
        value -= 1
        wokenNotRun += 1
        waiters.wakeNext()
        return true
    }

    private func wakeWhileSlotsFree() {
        while value > 0, wakeNext() {}
    }

    /// `<Name [unlocked, value:1]>` or `<Name [locked, waiters:2]>`, asyncio's repr
    /// without the address, under the name of the type the user made.
    func describe(as type: String) -> String {
        lockDescription(type: type, state: locked ? "locked" : "unlocked, value:\(value)",
                        waiters: waitingCount)
    }
}

extension Semaphore: CustomStringConvertible {
    /// asyncio's `repr(semaphore)` without the address: `<Semaphore [unlocked, value:1]>`.
    public var description: String { describe(as: "Semaphore") }
}
