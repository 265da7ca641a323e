/// Misuse of a lock, semaphore, condition or barrier, which asyncio reports as
/// `RuntimeError` or `ValueError`, with asyncio's message.
public enum LockUsageError: Error, Sendable, Equatable, CustomStringConvertible {
    /// `Lock.release()` (or a `Condition`'s) on a lock that is not acquired (asyncio's
    /// `RuntimeError('Lock is not acquired.')`).
    case lockNotAcquired
    /// `BoundedSemaphore.release()` would raise the value above the initial one (asyncio's
    /// `ValueError('BoundedSemaphore released too many times')`).
    case boundedSemaphoreReleasedTooManyTimes
    /// A `Semaphore` or `BoundedSemaphore` made with a negative value (asyncio's
    /// `ValueError('Semaphore initial value must be >= 0')`); carries the value given.
    case negativeSemaphoreValue(Int)
    /// `Condition.wait()` or `waitFor` while the condition's lock is not acquired
    /// (asyncio's `RuntimeError('cannot wait on un-acquired lock')`).
    case waitOnUnacquiredLock
    /// `Condition.notify` or `notifyAll` while the condition's lock is not acquired
    /// (asyncio's `RuntimeError('cannot notify on un-acquired lock')`).
    case notifyOnUnacquiredLock
    /// A `Barrier` made for fewer than one party (asyncio's
    /// `ValueError('parties must be > 0')`); carries the number given.
    case barrierPartiesNotPositive(Int)

    /// asyncio's message for the same misuse, with the value given where there is one.
    public var description: String {
        switch self {
        case .lockNotAcquired: "Lock is not acquired."
        case .boundedSemaphoreReleasedTooManyTimes: "BoundedSemaphore released too many times"
        case .negativeSemaphoreValue(let value): "Semaphore initial value must be >= 0, not \(value)"
        case .waitOnUnacquiredLock: "cannot wait on un-acquired lock"
        case .notifyOnUnacquiredLock: "cannot notify on un-acquired lock"
        case .barrierPartiesNotPositive(let parties): "parties must be > 0, not \(parties)"
        }
    }
}
