/// A result that will be set later: asyncio's `Future`, created by `EventLoop.createFuture`.
///
/// Done callbacks are scheduled with `callSoon` when the future completes, never called
/// inline; tasks awaiting `value` are resumed through the same ready queue, in one order
/// with the callbacks (an asyncio task waits through `add_done_callback`). Cancelling a
/// task that awaits `value` cancels the future, as in asyncio. Loop thread only.
public final class Future<T: Sendable> {
    private enum State {
        case pending
        case result(T)
        case failure(any Error)
        case cancelled(message: String?)
    }

    /// What wakes when the future is done, in registration order.
    private enum Waiter {
        case callback(DoneCallbackToken, (Future<T>) -> Void)
        case task(UnsafeContinuation<T, any Error>)
    }

    /// The loop the future belongs to (asyncio's `get_loop()`).
    public let loop: EventLoop
    private var state = State.pending
    private var waiters: [Waiter] = []
    private var nextToken = 0

    init(loop: EventLoop) {
        self.loop = loop
    }

    /// Whether a result, an error or a cancellation was set.
    public var isDone: Bool {
        if case .pending = state { return false }
        return true
    }

    /// Whether the future was cancelled.
    public var isCancelled: Bool {
        if case .cancelled = state { return true }
        return false
    }

    /// Sets the result; throws `InvalidStateError` if the future is already done.
    public func setResult(_ value: T) throws(InvalidStateError) {
        loop.assertOnLoopThread()
        guard !isDone else { throw InvalidStateError("invalid state: \(self)") }
        state = .result(value)
        finish()
    }

    /// Sets an error; throws `InvalidStateError` if the future is already done.
    ///
    /// As in asyncio 3.13, any error is accepted, `CancellationError` included: the future
    /// is then finished, not cancelled (`isCancelled` is false), and `result()` and
    /// awaiting it throw that error. (Python's one refusal, StopIteration, has no Swift
    /// counterpart.)
    public func setException(_ error: any Error) throws(InvalidStateError) {
        loop.assertOnLoopThread()
        guard !isDone else { throw InvalidStateError("invalid state: \(self)") }
        state = .failure(error)
        finish()
    }

    /// Cancels the future unless it is done; returns whether it was cancelled now.
    @discardableResult
    public func cancel(message: String? = nil) -> Bool {
        loop.assertOnLoopThread()
        guard !isDone else { return false }
        state = .cancelled(message: message)
        finish()
        return true
    }

    /// The result: throws the error that was set, `CancellationError` if cancelled, or
    /// `InvalidStateError` if not done yet (asyncio's `result()`).
    public func result() throws -> T {
        switch state {
        case .pending: throw InvalidStateError("Result is not set.")
        case .result(let value): return value
        case .failure(let error): throw error
        case .cancelled: throw CancellationError()
        }
    }

    /// The error that was set, nil if a result was; throws `CancellationError` if
    /// cancelled and `InvalidStateError` if not done (asyncio's `exception()`).
    public var exception: (any Error)? {
        get throws {
            switch state {
            case .pending: throw InvalidStateError("Exception is not set.")
            case .result: return nil
            case .failure(let error): return error
            case .cancelled: throw CancellationError()
            }
        }
    }

    /// Schedules `callback` with `callSoon` once the future is done (at once if it is).
    @discardableResult
    public func addDoneCallback(_ callback: @escaping (Future<T>) -> Void) -> DoneCallbackToken {
        loop.assertOnLoopThread()
        nextToken += 1
        let token = DoneCallbackToken(id: nextToken)
        if isDone {
            loop.scheduleSoon { callback(self) }
        } else {
            waiters.append(.callback(token, callback))
        }
        return token
    }

    /// Removes a callback added by `addDoneCallback`; returns how many were removed.
    @discardableResult
    public func removeDoneCallback(_ token: DoneCallbackToken) -> Int {
        let before = waiters.count
        waiters.removeAll {
            if case .callback(let registered, _) = $0 { return registered == token }
            return false
        }
        return before - waiters.count
    }

    /// Waits for the result (asyncio's `await future`).
    public nonisolated(nonsending) var value: T {
        get async throws { try await waitForResult() }
    }

    /// `value`'s wait, in its caller's isolation named so the cancellation handler's body
    /// stays in it (see `EventLoop.suspend`).
    private func waitForResult(isolation: isolated (any Actor)? = #isolation) async throws -> T {
            loop.assertOnLoopThread()
            if isDone { return try result() }
            // The cancellation handler may run on any thread; it touches the future only
            // on the loop's (at once there, else through callSoonThreadsafe).
            nonisolated(unsafe) let future = self
            return try await _unsafeInheritExecutor_withTaskCancellationHandler {
                _ = isolation
                return try await withUnsafeThrowingContinuation { continuation in
                    if isDone {
                        continuation.resume(with: Result { try result() })
                    } else {
                        waiters.append(.task(continuation))
                    }
                }
            } onCancel: { [loop] in
                if loop.isOnLoopThread {
                    future.cancel()
                } else {
                    loop.callSoonThreadsafe { future.cancel() }
                }
            }
    }

    /// Wakes every waiter in registration order. Both kinds go through the loop's ready
    /// queue: a callback with `callSoon`, a task because resuming a continuation on the
    /// loop thread enqueues its job there.
    private func finish() {
        let outcome = Result { try result() }
        let waiting = waiters
        waiters.removeAll()
        for waiter in waiting {
            switch waiter {
            case .callback(_, let callback): loop.scheduleSoon { callback(self) }
            case .task(let continuation): continuation.resume(with: outcome)
            }
        }
    }
}

extension Future: CustomStringConvertible {
    /// asyncio's `repr`: `<Future pending>`, `<Future finished result=…>`,
    /// `<Future finished exception=…>` or `<Future cancelled>`.
    public var description: String {
        switch state {
        case .pending: "<Future pending>"
        case .result(let value): "<Future finished result=\(value)>"
        case .failure(let error): "<Future finished exception=\(error)>"
        case .cancelled: "<Future cancelled>"
        }
    }
}

/// Identifies a callback added with `Future.addDoneCallback`, to remove it again
/// (Swift closures have no identity to compare, unlike Python's functions).
public struct DoneCallbackToken: Hashable, Sendable {
    let id: Int
}

extension EventLoop {
    /// A new pending future on this loop: asyncio's `create_future()`.
    public func createFuture<T: Sendable>(of type: T.Type = T.self) -> Future<T> {
        Future(loop: self)
    }
}
