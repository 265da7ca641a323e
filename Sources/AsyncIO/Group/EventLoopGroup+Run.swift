extension EventLoopGroup {
    /// Runs `main` on every loop of the group, each on its loop's thread, with the loop
    /// (`isolated`: `main` is that loop's code) and its index; returns when the group has
    /// stopped. asyncio's `asyncio.run`, once per loop.
    ///
    /// The caller's thread runs loop 0 (so a `run` from `main.swift` keeps the main actor
    /// working, as `EventLoop.run` does); the others get a thread each. A loop whose `main`
    /// returns keeps running as a worker for the others until the group stops, which
    /// happens when every `main` returned, on one of `stopSignals` (SIGINT and SIGTERM by
    /// default; installed on loop 0), on `stop()`, or when a `main` throws (the others are
    /// cancelled, and `run` throws that error once the group is down). A `main` that ends
    /// with `CancellationError` because the group was stopping counts as stopped cleanly,
    /// so a server stopped by SIGTERM makes `run` return normally (exit status 0).
    ///
    /// Stopping: the mains still running are cancelled; once all have ended, the servers
    /// made with the group's `createServer`/`startServer` close (their clients get the
    /// server's `clientGracePeriod`, then are closed); each loop cancels the tasks left
    /// over and waits up to `leftoverTaskGracePeriod` for them, as `EventLoop.run` does;
    /// then the loops close and their threads are joined. `main` is `@Sendable`: it runs on
    /// every loop, so it can capture nothing loop-bound.
    ///
    /// Throws `EventLoopGroupError.alreadyRan` for a second run, and
    /// `EventLoopError.anotherLoopRunning` when called from a loop's code.
    public func run(
        stopSignals: [Signal] = [.interrupt, .terminate],
        leftoverTaskGracePeriod: Duration = .seconds(5),
        _ main: @escaping @Sendable (isolated EventLoop, Int) async throws -> Void
    ) throws {
        guard EventLoop.current == nil else { throw EventLoopError.anotherLoopRunning }
        guard hasRun.compareExchange(expected: false, desired: true, ordering: .relaxed).exchanged else {
            throw EventLoopGroupError.alreadyRan
        }
        let settings = MemberSettings(stopSignals: stopSignals, leftoverTaskGracePeriod: leftoverTaskGracePeriod,
                                      main: main)
        var threads: [LoopThread] = []
        for index in 1..<loops.count {
            do {
                threads.append(try LoopThread { [self] in _ = runMember(index, settings) })
            } catch {
                // This loop never runs: it counts as a main that failed (which stops the
                // others) and as a loop already done.
                let coordinator = coordinator
                let loop = loops[index]
                Task {
                    await coordinator.mainEnded(index, .failure(error))
                    _ = await coordinator.loopDone(index)
                }
                try? loop.close()
            }
        }
        let outcome = runMember(0, settings)
        for thread in threads { thread.join() }
        if let error = outcome.error { throw error }
    }

    /// Runs `main` on loop 0 (the caller's thread), with the other loops running as
    /// workers: reach them through the group (`createServer`, `next()`,
    /// `loops[i].runCoroutineThreadsafe`). The group stops when `main` returns or throws,
    /// or on one of `stopSignals`; see `run(stopSignals:leftoverTaskGracePeriod:_:)` for
    /// the rest.
    public func run(
        stopSignals: [Signal] = [.interrupt, .terminate],
        leftoverTaskGracePeriod: Duration = .seconds(5),
        _ main: @escaping @Sendable (isolated EventLoop) async throws -> Void
    ) throws {
        try run(stopSignals: stopSignals, leftoverTaskGracePeriod: leftoverTaskGracePeriod) { loop, index in
            if index == 0 { try await main(loop) }
        }
    }

    /// Runs loop `index` on the calling thread through the group's run, from its `main` to
    /// its close; returns the group's outcome (the same on every loop).
    private func runMember(_ index: Int, _ settings: MemberSettings) -> GroupOutcome {
        let loop = loops[index]
        let coordinator = coordinator
        _ = try? loop.runUntilComplete { loop in
            await coordinator.begin()
            let result: Result<Void, any Error>
            do {
                if index == 0 { try Self.installStopSignals(loop, settings.stopSignals, coordinator) }
                let main = settings.main
                let task = loop.createTask { try await main(loop, index) }
                await coordinator.mainStarted(index, task)
                result = await task.result
            } catch {
                result = .failure(error)
            }
            await coordinator.mainEnded(index, result)
            await coordinator.waitUntilReleased()
        }
        loop.cancelLeftoverTasks(gracePeriod: settings.leftoverTaskGracePeriod)
        // Runs until every loop is done with its leftovers, so none is closed while
        // another's leftover task may still call it.
        let outcome = (try? loop.runUntilComplete { _ in await coordinator.loopDone(index) }) ?? GroupOutcome()
        try? loop.close()
        return outcome
    }

    /// The group's stop on `signals`, on loop 0. The handlers stay until the loop closes,
    /// so a second signal during the shutdown is absorbed instead of killing the process.
    private static func installStopSignals(
        _ loop: isolated EventLoop, _ signals: [Signal], _ coordinator: GroupCoordinator
    ) throws {
        for signal in signals {
            try loop.addSignalHandler(signal) { Task { await coordinator.requestStop() } }
        }
    }
}

/// What every loop's thread needs to run its part of the group.
private struct MemberSettings: Sendable {
    var stopSignals: [Signal]
    var leftoverTaskGracePeriod: Duration
    var main: @Sendable (isolated EventLoop, Int) async throws -> Void
}
