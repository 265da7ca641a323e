/// What the threads of one `EventLoopGroup.run` share: the mains, the group's servers and
/// the shutdown's steps. An actor, so the loops' threads reach it only by awaiting, and its
/// state needs no lock.
///
/// The shutdown, in order:
/// 1. a stop is requested (a signal, `stop()`, or a main that threw): every main still
///    running is cancelled; a main that returns on its own leaves its loop serving the
///    others (a worker) until the group stops;
/// 2. every main has ended: the group's servers close (clients get their grace period,
///    then are closed); then every loop is released;
/// 3. each loop cancels the tasks its main left and waits for them (asyncio.run's
///    `_cancel_all_tasks`), still running, so another loop's leftover may call it;
/// 4. once every loop is done with step 3, each closes; `run` joins the threads.
actor GroupCoordinator {
    private let loopCount: Int
    private var isRunning = false
    private var mains: [Int: Task<Void, any Error>] = [:]
    private var endedMains = 0
    private var isStopping = false
    private var firstError: (any Error)?
    private var servers: [GroupServer] = []
    private var releaseWaiters: [CheckedContinuation<Void, Never>] = []
    private var isReleased = false
    private var loopsDone = 0
    private var doneWaiters: [CheckedContinuation<Void, Never>] = []

    init(loopCount: Int) {
        self.loopCount = loopCount
    }

    /// Marks the group as running (`createServer` on the group needs that).
    func begin() {
        isRunning = true
    }

    /// Whether group operations may start now.
    var acceptsWork: Bool { isRunning && !isStopping }

    // MARK: Step 1

    /// A main started on loop `index`; cancelled at once if the group is already stopping.
    func mainStarted(_ index: Int, _ task: Task<Void, any Error>) {
        mains[index] = task
        if isStopping { task.cancel() }
    }

    /// Cancels every main still running; later requests do nothing.
    func requestStop() {
        guard !isStopping else { return }
        isStopping = true
        for task in mains.values { task.cancel() }
    }

    /// A main ended (or its loop could not start one). A `CancellationError` after a stop
    /// was requested is how a main is stopped, not a failure; any other error is the
    /// group's first error unless one came earlier, and stops the group.
    func mainEnded(_ index: Int, _ result: Result<Void, any Error>) async {
        mains[index] = nil
        endedMains += 1
        if case .failure(let error) = result, !(isStopping && error is CancellationError) {
            if firstError == nil { firstError = error }
            requestStop()
        }
        if endedMains == loopCount { await closeServersAndRelease() }
    }

    // MARK: Step 2

    /// Registers a server made on the group, to be closed when the group stops; one that
    /// arrives once every main ended (a leftover task's) is shut down at once.
    func register(_ server: GroupServer) async {
        if endedMains == loopCount {
            await server.shutdown()
        } else {
            servers.append(server)
        }
    }

    private func closeServersAndRelease() async {
        isStopping = true
        let open = servers
        servers = []
        await withTaskGroup(of: Void.self) { group in
            for server in open { group.addTask { await server.shutdown() } }
        }
        isReleased = true
        for waiter in releaseWaiters { waiter.resume() }
        releaseWaiters = []
    }

    /// Returns once every main ended and the group's servers are closed.
    func waitUntilReleased() async {
        if isReleased { return }
        await withCheckedContinuation { releaseWaiters.append($0) }
    }

    // MARK: Steps 3 and 4

    /// Loop `index` finished with its leftover tasks; returns once every loop has, with
    /// the group's first error (what `run` throws).
    func loopDone(_ index: Int) async -> GroupOutcome {
        loopsDone += 1
        if loopsDone == loopCount {
            for waiter in doneWaiters { waiter.resume() }
            doneWaiters = []
        } else {
            await withCheckedContinuation { doneWaiters.append($0) }
        }
        return GroupOutcome(error: firstError)
    }
}

/// How a group's run ended: the first error a main threw, if any.
struct GroupOutcome: Sendable {
    var error: (any Error)?
}
