/// The outcome of `staggeredRace`: asyncio's `(winner_result, winner_index, exceptions)`.
public struct StaggeredRaceResult<T: Sendable>: Sendable {
    /// The first successful attempt's result, nil if none succeeded.
    public var winner: T?
    /// The index of the winning attempt, nil if none succeeded.
    public var winnerIndex: Int?
    /// One entry per attempt that was started, in order: its error, or nil for the winner.
    /// Attempts cancelled because another won have a `CancellationError`.
    public var errors: [(any Error)?]
}

/// Runs attempts with staggered start times and takes the first to succeed:
/// asyncio's `staggered_race(coro_fns, delay)`, the engine of Happy Eyeballs.
///
/// The first attempt starts at once. Each next one starts when the one before it fails
/// or when `delay` has passed since it started, whichever is first; a nil `delay` runs
/// the attempts one after another. When one succeeds, all others are cancelled, and the
/// race returns once every started attempt has finished. A result that another attempt
/// produces after the winner was chosen (it succeeded before it saw its cancellation) is
/// handed to `discardLoser`, so resources such as sockets are not leaked.
///
/// `attempt(i)` runs attempt `i` of `count` (asyncio takes a list of coroutine functions;
/// an index keeps Swift's closure typing simple). Cancelling the caller cancels every
/// attempt and throws `CancellationError`. Must be called from a task on `loop`.
public func staggeredRace<T: Sendable>(
    count: Int,
    delay: Duration?,
    loop: EventLoop,
    discardLoser: @escaping (T) -> Void = { _ in },
    _ attempt: @escaping @Sendable (Int) async throws -> T
) async throws -> StaggeredRaceResult<T> {
    loop.assertOnLoopThread()
    precondition(count >= 0, "staggeredRace: count must not be negative")
    let race = StaggeredRace(count: count, attempt: attempt, delay: delay, loop: loop, discardLoser: discardLoser)
    return try await loop.suspend { (waiter: LoopWaiter<StaggeredRaceResult<T>>) in
        race.waiter = waiter
        waiter.onCancel = { race.cancelAll() }
        race.start()
    }
}

/// The race's state; everything happens on the loop thread.
private final class StaggeredRace<T: Sendable>: @unchecked Sendable {
    let count: Int
    let attempt: @Sendable (Int) async throws -> T
    let delay: Duration?
    unowned let loop: EventLoop
    let discardLoser: (T) -> Void
    var waiter: LoopWaiter<StaggeredRaceResult<T>>?

    var tasks: [Task<Void, any Error>] = []
    var errors: [(any Error)?] = []
    var finished = 0
    var winner: T?
    var winnerIndex: Int?
    var decided = false
    var nextTimer: TimerHandle?

    init(count: Int, attempt: @escaping @Sendable (Int) async throws -> T, delay: Duration?,
         loop: EventLoop, discardLoser: @escaping (T) -> Void) {
        self.count = count
        self.attempt = attempt
        self.delay = delay
        self.loop = loop
        self.discardLoser = discardLoser
    }

    func start() {
        if count == 0 {
            complete()
        } else {
            startNext()
        }
    }

    private func startNext() {
        nextTimer?.cancel()
        nextTimer = nil
        guard !decided, tasks.count < count else { return }
        let index = tasks.count
        errors.append(nil)
        let attempt = self.attempt
        tasks.append(loop.spawnTask { [self] _ in
            do {
                let value = try await attempt(index)
                self.succeeded(index, value)
            } catch {
                self.failed(index, error)
            }
        })
        if let delay, index + 1 < count {
            nextTimer = loop.scheduleLater(delay) { [self] in self.startNext() }
        }
    }

    private func succeeded(_ index: Int, _ value: T) {
        finished += 1
        if decided {
            // Lost the race after the winner was chosen (or the caller was cancelled).
            errors[index] = CancellationError()
            discardLoser(value)
        } else {
            decided = true
            winner = value
            winnerIndex = index
            nextTimer?.cancel()
            for (other, task) in tasks.enumerated() where other != index { task.cancel() }
        }
        completeIfAllFinished()
    }

    private func failed(_ index: Int, _ error: any Error) {
        finished += 1
        errors[index] = error
        // A failure kicks off the next attempt at once, if this was the latest one.
        if !decided, index == tasks.count - 1 { startNext() }
        completeIfAllFinished()
    }

    private func completeIfAllFinished() {
        let allStarted = decided || tasks.count == count
        if allStarted, finished == tasks.count { complete() }
    }

    private func complete() {
        nextTimer?.cancel()
        waiter?.resume(returning: StaggeredRaceResult(winner: winner, winnerIndex: winnerIndex, errors: errors))
        waiter = nil
    }

    func cancelAll() {
        decided = true
        nextTimer?.cancel()
        for task in tasks { task.cancel() }
        waiter = nil
    }
}
