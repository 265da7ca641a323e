/// A result that will be set later: asyncio's `Future`, created by `EventLoop.createFuture`.
///
/// Done callbacks are scheduled with `callSoon` when the future completes, never called
/// inline; tasks awaiting `value` are resumed directly. Cancelling a task that awaits
/// `value` cancels the future, as in asyncio. Loop thread only.
public final class Future<T: Sendable>: @unchecked Sendable {
    private enum State {
        case pending
        case result(T)
        case failure(any Error)
        case cancelled(message: String?)
    }

    /// The loop the future belongs to (asyncio's `get_loop()`).
    public let loop: EventLoop
    private var state = State.pending
    private var callbacks: [(token: DoneCallbackToken, callback: (Future<T>) -> Void)] = []
    private var waiters: [UnsafeContinuation<T, any Error>] = []
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
    /// Setting a `CancellationError` is refused as in asyncio: use `cancel()`.
    public func setException(_ error: any Error) throws(InvalidStateError) {
        loop.assertOnLoopThread()
        guard !isDone else { throw InvalidStateError("invalid state: \(self)") }
        guard !(error is CancellationError) else {
            throw InvalidStateError("CancellationError cannot be set on a future; call cancel()")
        }
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
            loop.callSoon { callback(self) }
        } else {
            callbacks.append((token, callback))
        }
        return token
    }

    /// Removes a callback added by `addDoneCallback`; returns how many were removed.
    @discardableResult
    public func removeDoneCallback(_ token: DoneCallbackToken) -> Int {
        let before = callbacks.count
        callbacks.removeAll { $0.token == token }
        return before - callbacks.count
    }

    /// Waits for the result (asyncio's `await future`).
    public var value: T {
        get async throws {
            loop.assertOnLoopThread()
            if isDone { return try result() }
            return try await withTaskCancellationHandler {
                try await withUnsafeThrowingContinuation { continuation in
                    if isDone {
                        continuation.resume(with: Result { try result() })
                    } else {
                        waiters.append(continuation)
                    }
                }
            } onCancel: {
                if loop.isOnLoopThread {
                    cancel()
                } else {
                    loop.callSoonThreadsafe { self.cancel() }
                }
            }
        }
    }

    private func finish() {
        let outcome = Result { try result() }
        let waiting = waiters
        waiters.removeAll()
        for continuation in waiting { continuation.resume(with: outcome) }
        let scheduled = callbacks
        callbacks.removeAll()
        for (_, callback) in scheduled { loop.callSoon { callback(self) } }
    }
}

extension Future: CustomStringConvertible {
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
