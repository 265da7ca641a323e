/// A loop-bound primitive acquired and released around a block: `Lock`, `Condition`,
/// `Semaphore` and `BoundedSemaphore`. It gives them `withLock`, the Swift spelling of
/// asyncio's `async with lock:` (asyncio's `_ContextManagerMixin`).
public protocol Lockable: AnyObject {
    /// Waits until the primitive can be acquired, then acquires it (asyncio's `acquire`).
    /// Throws `CancellationError` if the task is cancelled while it waits.
    nonisolated(nonsending) func acquire() async throws

    /// Releases what `acquire` took (asyncio's `release`); throws `LockUsageError` where
    /// asyncio raises (`Lock` not acquired, `BoundedSemaphore` released too often).
    func release() throws(LockUsageError)
}

extension Lockable {
    /// Runs `body` with the primitive acquired and releases it afterwards, also when
    /// `body` throws: asyncio's `async with lock:`. Throws `CancellationError` if the task
    /// is cancelled while waiting to acquire (`body` then does not run).
    ///
    /// One name for all four primitives, as Python code writes `async with` for each and
    /// can swap one for another. As in asyncio, an error from the release (the body
    /// released the lock itself) replaces the body's own.
    nonisolated(nonsending) public func withLock<T>(
        _ body: nonisolated(nonsending) () async throws -> T
    ) async throws -> T {
        try await acquire()
        let result: T
        do {
            result = try await body()
        } catch {
            try release()
            throw error
        }
        try release()
        return result
    }
}
