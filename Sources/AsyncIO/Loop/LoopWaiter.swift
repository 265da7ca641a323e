/// One suspended task waiting for the loop: resumed once, by the event it waits for or
/// by the task's cancellation, whichever comes first.
///
/// The waiter rule (DESIGN.md): whether it is already done is checked inside the
/// continuation closure, the real suspension point, so an early result is never lost.
final class LoopWaiter<T: Sendable>: @unchecked Sendable {
    private unowned let loop: EventLoop
    private var continuation: UnsafeContinuation<T, any Error>?
    private var outcome: Result<T, any Error>?
    /// Undoes whatever the wait registered (a timer, a poll, a queued request).
    var onCancel: (() -> Void)?

    init(loop: EventLoop) {
        self.loop = loop
    }

    var isDone: Bool { outcome != nil }

    /// Delivers the outcome; later calls are ignored. Loop thread.
    func resume(with result: Result<T, any Error>) {
        guard outcome == nil else { return }
        outcome = result
        onCancel = nil
        if let continuation {
            self.continuation = nil
            continuation.resume(with: result)
        }
    }

    func resume(returning value: T) { resume(with: .success(value)) }
    func resume(throwing error: any Error) { resume(with: .failure(error)) }

    fileprivate func cancel() {
        guard outcome == nil else { return }
        let undo = onCancel
        resume(throwing: CancellationError())
        undo?()
    }

    fileprivate func install(_ continuation: UnsafeContinuation<T, any Error>) {
        if let outcome {
            continuation.resume(with: outcome)
        } else {
            self.continuation = continuation
        }
    }

    /// Cancellation may arrive on any thread; the waiter is only touched on the loop's.
    fileprivate func cancelFromAnyThread() {
        if loop.isOnLoopThread {
            cancel()
        } else {
            loop.callSoonThreadsafe { [self] in self.cancel() }
        }
    }
}

extension EventLoop {
    /// Suspends the current task until `start`'s waiter is resumed. `start` runs first
    /// (unless the task is already cancelled) and registers whatever will resume it;
    /// it sets `onCancel` to undo that registration when the task is cancelled.
    ///
    /// It runs in its caller's isolation, named (`isolation`) rather than inherited
    /// (`nonisolated(nonsending)`), so that the cancellation handler's body can capture
    /// it and stay in it: an inherited isolation cannot be captured, and the handler's
    /// body then runs nonisolated, which costs two extra trips through the ready queue per
    /// wait when the caller is the loop's code.
    func suspend<T: Sendable>(
        isolation: isolated (any Actor)? = #isolation, _ start: (LoopWaiter<T>) throws -> Void
    ) async throws -> T {
        let waiter = LoopWaiter<T>(loop: self)
        return try await _unsafeInheritExecutor_withTaskCancellationHandler {
            _ = isolation
            if !waiter.isDone {
                try start(waiter)
            }
            return try await withUnsafeThrowingContinuation { continuation in
                waiter.install(continuation)
            }
        } onCancel: {
            waiter.cancelFromAnyThread()
        }
    }

    /// Suspends the current task for `delay`, on this loop's timers: asyncio's `sleep`.
    /// Throws `CancellationError` if the task is cancelled meanwhile.
    public func sleep(_ delay: Duration) async throws {
        try await suspend { (waiter: LoopWaiter<Void>) in
            let handle = scheduleLater(delay) { waiter.resume(returning: ()) }
            waiter.onCancel = { handle.cancel() }
        }
    }
}
