import Glibc

/// What a `StreamWriter` waits on: asyncio's `FlowControlMixin` (drain while the transport
/// has paused writing) together with the protocol's `_closed` future (`waitClosed`).
///
/// It is a part of whichever protocol serves the writer's transport, not a protocol of its
/// own, so a writer works over any `WriteTransport`: `StreamReaderProtocol` owns one for a
/// connection, `SubprocessStreamProtocol` one for a child's stdin pipe. The owner forwards
/// the transport's `pauseWriting`, `resumeWriting` and `connectionLost` here.
///
/// Loop-bound: the transport calls it on the loop's thread.
final class StreamFlowControl {
    let loop: EventLoop
    private(set) var isWritingPaused = false
    private(set) var isConnectionLost = false
    private var drainWaiters: [LoopWaiter<Void>] = []
    /// asyncio's `_closed` future: set once, by `connectionLost`.
    private var closedOutcome: Result<Void, any Error>?
    private var closeWaiters: [LoopWaiter<Void>] = []

    init(loop: EventLoop) {
        self.loop = loop
    }

    /// The transport's buffer went above its high-water mark: drains wait from now on
    /// (asyncio's `pause_writing`).
    func pauseWriting() {
        loop.assertOnLoopThread()
        assert(!isWritingPaused, "pauseWriting while paused")
        isWritingPaused = true
    }

    /// The transport's buffer drained to its low-water mark: every waiting drain returns
    /// (asyncio's `resume_writing`).
    func resumeWriting() {
        loop.assertOnLoopThread()
        assert(isWritingPaused, "resumeWriting while not paused")
        isWritingPaused = false
        let waiters = drainWaiters
        drainWaiters.removeAll()
        for waiter in waiters { waiter.resume(returning: ()) }
    }

    /// The transport is gone: `waitClosed` returns (or throws `error`), paused drains
    /// return (or throw `error`), and later drains throw "Connection lost" (asyncio's
    /// `FlowControlMixin.connection_lost` and the `_closed` future's result).
    func connectionLost(_ error: (any Error)?) {
        loop.assertOnLoopThread()
        if closedOutcome == nil {
            let outcome: Result<Void, any Error> = error.map { .failure($0) } ?? .success(())
            closedOutcome = outcome
            let waiters = closeWaiters
            closeWaiters.removeAll()
            for waiter in waiters { waiter.resume(with: outcome) }
        }
        isConnectionLost = true
        guard isWritingPaused else { return }
        let waiters = drainWaiters
        drainWaiters.removeAll()
        for waiter in waiters {
            if let error { waiter.resume(throwing: error) } else { waiter.resume(returning: ()) }
        }
    }

    /// Whether `drainHelper` returns at once: writing is not paused and the connection is
    /// not lost. `StreamWriter.drain` asks first, which spares the async call on the path
    /// every write takes.
    @inline(__always)
    var isDrained: Bool { !isWritingPaused && !isConnectionLost }

    /// Waits while writing is paused (asyncio's `_drain_helper`). Returns at once when not
    /// paused; throws `OSError` ECONNRESET "Connection lost" once the connection is gone.
    /// Any number of tasks may wait at once; all return on `resumeWriting`.
    nonisolated(nonsending) func drainHelper() async throws {
        loop.assertOnLoopThread()
        if isDrained { return }
        if isConnectionLost { throw Self.connectionLostError }
        try await loop.suspend { (waiter: LoopWaiter<Void>) in
            // The waiter rule: re-check inside the suspension.
            if isConnectionLost {
                waiter.resume(throwing: Self.connectionLostError)
                return
            }
            guard isWritingPaused else {
                waiter.resume(returning: ())
                return
            }
            drainWaiters.append(waiter)
            waiter.onCancel = { [self] in drainWaiters.removeAll { $0 === waiter } }
        }
    }

    /// Waits until `connectionLost`; throws its error if it had one (asyncio's
    /// `_get_close_waiter` future). Unlike awaiting asyncio's shared future, cancelling one
    /// waiter does not cancel the others.
    nonisolated(nonsending) func waitClosed() async throws {
        loop.assertOnLoopThread()
        if let closedOutcome { return try closedOutcome.get() }
        try await loop.suspend { (waiter: LoopWaiter<Void>) in
            if let closedOutcome {
                waiter.resume(with: closedOutcome)
                return
            }
            closeWaiters.append(waiter)
            waiter.onCancel = { [self] in closeWaiters.removeAll { $0 === waiter } }
        }
    }

    /// Number of drains waiting (tests).
    var drainWaiterCount: Int { drainWaiters.count }

    /// asyncio's `ConnectionResetError('Connection lost')` from `_drain_helper`.
    private static var connectionLostError: OSError { OSError(errno: ECONNRESET, message: "Connection lost") }
}
