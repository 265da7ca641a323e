extension EventLoop {
    /// Runs `work` on libuv's thread pool and waits for its result without blocking the
    /// loop: asyncio's `run_in_executor(None, work)`.
    ///
    /// Cancelling the waiting task throws `CancellationError` at once; work that a pool
    /// thread already started runs to its end and its result is dropped.
    public func runInExecutor<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        assertOnLoopThread()
        precondition(!isClosed, "Event loop is closed")
        let slot = PoolResult<T>()
        return try await suspend { (waiter: LoopWaiter<T>) in
            let request = UVWork.queue(on: uv, work: {
                slot.result = Result { try work() }
            }, completion: { cancelled in
                if cancelled {
                    waiter.resume(throwing: CancellationError())
                } else {
                    waiter.resume(with: slot.result!)
                }
            })
            waiter.onCancel = { request.cancel() }
        }
    }
}

/// Written by one pool thread, then read on the loop thread after libuv's completion
/// callback, which orders the two.
private final class PoolResult<T>: @unchecked Sendable {
    var result: Result<T, any Error>?
}
