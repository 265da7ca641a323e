/// A `Barrier.wait()` that cannot complete because the barrier was reset or aborted:
/// asyncio 3.13's `BrokenBarrierError`, with its two messages as cases.
public enum BrokenBarrierError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The task arrived at a barrier that is broken (`abort()` was called and no `reset()`
    /// since): asyncio's "Barrier aborted".
    case aborted
    /// The task was waiting for the other parties when the barrier was reset or aborted:
    /// asyncio's "Abort or reset of barrier".
    case resetOrAbortedWhileWaiting

    /// asyncio's message for the same case.
    public var description: String {
        switch self {
        case .aborted: "Barrier aborted"
        case .resetOrAbortedWhileWaiting: "Abort or reset of barrier"
        }
    }
}
