import Synchronization

/// Several event loops, each on its own thread, started and stopped together: a loop per
/// core, as SwiftNIO's `MultiThreadedEventLoopGroup` and uvicorn's workers give.
///
/// Inside each loop everything is asyncio's one-thread model: a loop's objects (servers,
/// transports, readers, writers, futures) are not `Sendable`, so the compiler keeps them in
/// the loop that made them. Loops talk only through the thread-safe calls:
/// `runCoroutineThreadsafe` (whose result comes back to the caller), `callSoonThreadsafe`,
/// and values that are `Sendable` (a detached socket descriptor, bytes, numbers).
///
/// ```swift
/// let group = try EventLoopGroup()             // one loop per CPU this process may use
/// try group.run { loop in                      // on the first loop; the others serve
///     let server = try await group.createServer({ Echo() }, host: "127.0.0.1", port: 8000)
///     try await server.serveForever()           // until SIGINT or SIGTERM
/// }
/// ```
///
/// `run` runs the group once: it starts a thread per loop (the caller's thread runs the
/// first loop), runs `main`, and on SIGINT or SIGTERM (or `stop()`, or when every `main`
/// returned) stops every loop, closes the group's servers, cancels leftover tasks, closes
/// the loops and joins their threads before it returns.
public final class EventLoopGroup: Sendable, CustomStringConvertible {
    /// The loops, in index order; `loops[0]` runs on the thread that calls `run`.
    public let loops: [EventLoop]
    /// What the loops' threads share while the group runs (the mains, the servers, the stop).
    let coordinator: GroupCoordinator
    /// Set by the first `run`: a group runs once, as a loop closes once.
    let hasRun = Atomic<Bool>(false)
    private let nextIndex = Atomic<Int>(0)

    /// The number of CPUs this process may run on (its affinity mask, as `taskset` or a
    /// container's cpuset set it), at least 1: the default size of a group. NIO's
    /// `System.coreCount`.
    public static var defaultLoopCount: Int { UVSystem.availableParallelism() }

    /// A group of `loopCount` loops, not yet running. Throws `InvalidArgumentError` for a
    /// count below 1, or the loops' creation error.
    public init(loopCount: Int = EventLoopGroup.defaultLoopCount) throws {
        guard loopCount >= 1 else {
            throw InvalidArgumentError("an EventLoopGroup needs at least 1 loop, got \(loopCount)")
        }
        loops = try (0..<loopCount).map { _ in try EventLoop() }
        coordinator = GroupCoordinator(loopCount: loopCount)
    }

    /// The number of loops.
    public var count: Int { loops.count }

    /// The next loop, round robin (NIO's `next()`): where to send the next piece of work or
    /// the next accepted connection.
    public func next() -> EventLoop {
        loops[nextIndex.wrappingAdd(1, ordering: .relaxed).oldValue % loops.count]
    }

    /// Stops a running group from any thread, as SIGINT does: every `main` still running
    /// is cancelled, then the group shuts down (see `run`).
    public func stop() {
        let coordinator = coordinator
        Task { await coordinator.requestStop() }
    }

    /// How the group prints: its number of loops.
    public var description: String { "<EventLoopGroup loops=\(loops.count)>" }
}
