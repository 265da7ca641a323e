import DequeModule

/// The tasks given to `EventLoop.asCompleted(_:timeout:)`, each yielded once it has
/// finished, in the order they finish: asyncio 3.13's `async for task in
/// asyncio.as_completed(tasks)`, which yields the original tasks.
///
/// Await a yielded task's `value` (or `result`) for its outcome; it is already done. When
/// the timeout passes before every task was yielded, the next `next()` throws
/// `TimeoutError` (the tasks left are not cancelled). Cancelling the iterating task makes
/// `next()` throw `CancellationError`; the tasks go on. The sequence is its own iterator,
/// so a loop that stops early can be resumed by iterating it again (asyncio's resumable
/// iterator). Loop-bound: iterate it on its loop.
///
/// asyncio's other form, a plain iterator of awaitables that each wait for the next
/// completion, is not offered: Swift has one form of iteration over asynchronous values.
public final class AsCompleted<T: Sendable>: AsyncSequence, AsyncIteratorProtocol {
    /// A task that has finished.
    public typealias Element = Task<T, any Error>
    /// `next()` throws `TimeoutError` or `CancellationError`.
    public typealias Failure = any Error

    private let loop: EventLoop
    private var finished = Deque<Task<T, any Error>>()
    private var remaining: Int
    private var timedOut = false
    private var timer: TimerHandle?
    private let signal = CompletionSignal()

    init(loop: EventLoop, tasks: [Task<T, any Error>], timeout: Duration?) {
        self.loop = loop
        var seen = Set<Task<T, any Error>>()
        let unique = tasks.filter { seen.insert($0).inserted }
        remaining = unique.count
        for task in unique {
            loop.whenDone(task) { [weak self] _ in self?.taskFinished(task) }
        }
        if let timeout, !unique.isEmpty {
            timer = loop.scheduleLater(timeout) { [weak self] in self?.deadlinePassed() }
        }
    }

    deinit {
        timer?.cancel()
    }

    private func taskFinished(_ task: Task<T, any Error>) {
        finished.append(task)
        if finished.count == remaining {
            timer?.cancel()
            timer = nil
        }
        signal.signal()
    }

    private func deadlinePassed() {
        timer = nil
        timedOut = true
        signal.signal()
    }

    /// The sequence is its own iterator (asyncio's `as_completed` object is too).
    public func makeAsyncIterator() -> AsCompleted<T> { self }

    /// The next task to finish, nil once all were yielded (asyncio's `__anext__`). Throws
    /// `TimeoutError` once the timeout passed with tasks left, `CancellationError` if the
    /// caller is cancelled while it waits.
    nonisolated(nonsending) public func next() async throws -> Task<T, any Error>? {
        loop.assertOnLoopThread()
        try await signal.wait(on: loop) { !finished.isEmpty || remaining == 0 || timedOut }
        guard let task = finished.popFirst() else {
            if remaining == 0 { return nil }
            throw TimeoutError()
        }
        remaining -= 1
        return task
    }

    /// `next()` on the caller's executor (what `for try await` calls).
    public func next(isolation actor: isolated (any Actor)?) async throws -> Task<T, any Error>? {
        try await next()
    }
}

extension EventLoop {
    /// The tasks, each yielded as soon as it has finished: asyncio 3.13's `async for task
    /// in asyncio.as_completed(tasks, timeout=…)`. See `AsCompleted`.
    ///
    /// ```swift
    /// for try await task in loop.asCompleted(downloads, timeout: .seconds(10)) {
    ///     print(try await task.value)
    /// }
    /// ```
    public func asCompleted<T: Sendable>(
        _ tasks: some Sequence<Task<T, any Error>>, timeout: Duration? = nil
    ) -> AsCompleted<T> {
        AsCompleted(loop: self, tasks: Array(tasks), timeout: timeout)
    }
}
