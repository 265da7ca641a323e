/// A flag tasks on one loop can wait for: asyncio's `Event`. It starts unset; `set()`
/// wakes every waiting task, and `wait()` returns at once while it is set.
///
/// A woken task returns from `wait()` even if the event was cleared again before it ran
/// (as in asyncio, which does not re-check). A waiting task that is cancelled throws
/// `CancellationError` and leaves the line; the others are not affected.
///
/// Loop-bound: use it on its loop's thread only, like `Queue`.
public final class Event {
    /// The loop the event belongs to (asyncio binds an event to the running loop).
    public let loop: EventLoop

    /// Whether the flag is set (asyncio's `is_set()`).
    public private(set) var isSet = false

    private let waiters = WaiterLine()

    /// An unset event on `loop` (asyncio's `Event()`).
    public init(loop: isolated EventLoop) {
        self.loop = loop
    }

    /// Sets the flag and wakes every task waiting for it, in the order they came
    /// (asyncio's `set`). Does nothing if it is already set.
    public func set() {
        loop.assertOnLoopThread()
        guard !isSet else { return }
        isSet = true
        waiters.wakeAll()
    }

    /// Clears the flag: from now on `wait()` waits until the next `set()` (asyncio's
    /// `clear`).
    public func clear() {
        loop.assertOnLoopThread()
        isSet = false
    }

    /// Returns once the flag is set, at once if it is (asyncio's `wait`). Throws
    /// `CancellationError` if the task is cancelled while it waits.
    nonisolated(nonsending) public func wait() async throws {
        loop.assertOnLoopThread()
        if isSet { return }
        try await waiters.wait(on: loop) { isSet }
    }

    /// How many tasks wait (asyncio's `len(event._waiters)`, without the woken ones that
    /// have not run yet: they have left the line here).
    var waitingCount: Int { waiters.count }
}

extension Event: CustomStringConvertible {
    /// asyncio's `repr(event)` without the address: `<Event [unset, waiters:1]>`.
    public var description: String {
        lockDescription(type: "Event", state: isSet ? "set" : "unset", waiters: waitingCount)
    }
}
