/// A `Semaphore` that refuses to be released more often than it was acquired: asyncio's
/// `BoundedSemaphore`. `release` throws
/// `LockUsageError.boundedSemaphoreReleasedTooManyTimes` instead of raising the value
/// above the initial one; everything else is `Semaphore`'s.
///
/// Loop-bound: use it on its loop's thread only, like `Queue`.
public final class BoundedSemaphore: Lockable {
    /// The semaphore that does the counting and waiting.
    private let semaphore: Semaphore
    /// The initial value, which `release` never exceeds.
    private let bound: Int

    /// A bounded semaphore on `loop` with `value` free slots (asyncio's
    /// `BoundedSemaphore(value=1)`). Throws `LockUsageError.negativeSemaphoreValue` if
    /// `value` is negative.
    public init(value: Int = 1, loop: isolated EventLoop) throws(LockUsageError) {
        semaphore = try Semaphore(value: value, loop: loop)
        bound = value
    }

    /// The loop the semaphore belongs to.
    public var loop: EventLoop { semaphore.loop }

    /// Whether `acquire` would wait (asyncio's `locked()`).
    public var locked: Bool { semaphore.locked }

    /// Takes a slot, waiting while there is none or others wait ahead (asyncio's
    /// `acquire`); see `Semaphore.acquire`.
    nonisolated(nonsending) public func acquire() async throws {
        try await semaphore.acquire()
    }

    /// Gives a slot back (asyncio's `release`). Throws
    /// `LockUsageError.boundedSemaphoreReleasedTooManyTimes` if that would make more free
    /// slots than the semaphore started with.
    public func release() throws(LockUsageError) {
        loop.assertOnLoopThread()
        guard semaphore.value < bound else { throw .boundedSemaphoreReleasedTooManyTimes }
        semaphore.release()
    }

    /// The free slots, for tests.
    var value: Int { semaphore.value }
}

extension BoundedSemaphore: CustomStringConvertible {
    /// asyncio's `repr` without the address: `<BoundedSemaphore [unlocked, value:1]>`.
    public var description: String { semaphore.describe(as: "BoundedSemaphore") }
}
