@_spi(LoopThreads) import AsyncIO
import Logging
import ServiceLifecycle

/// A swift-service-lifecycle `Service` that runs an AsyncIO event loop, on a thread of its
/// own, with the servers it starts; so an AsyncIO server runs in a `ServiceGroup` beside
/// other services and shuts down gracefully.
///
/// ```swift
/// let echo = EventLoopService(name: "echo", gracePeriod: .seconds(10)) { loop in
///     [try await loop.startServer(host: "0.0.0.0", port: 7) { reader, writer in … }]
/// }
/// let group = ServiceGroup(services: [echo, metricsExporter],
///                          gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
/// try await group.run()
/// ```
///
/// `start` runs as the loop's own code (its `loop` is `isolated`) and returns the servers
/// the service shuts down. On graceful shutdown (a signal the group listens to, or
/// `triggerGracefulShutdown()`):
///
/// 1. every server stops accepting (`Server.close()`): new connections are refused;
/// 2. connections already accepted go on being served, and may finish by themselves,
///    for up to `gracePeriod`;
/// 3. those still open are closed (`closeClients()`): what their transports buffered is
///    written first, then each is closed, within `closeTimeout`;
/// 4. those still open after that are aborted (`abortClients()`).
///
/// Then `run()` returns, as `EventLoop.run` does once its tasks are done: tasks still
/// running are cancelled and the loop is closed. Cancelling the service's task (the
/// group's cancellation, or the end of its `maximumGracefulShutdownDuration`) skips
/// what remains of the grace period and aborts the connections. An error thrown by
/// `start` is thrown by `run()`.
public struct EventLoopService: Service, CustomStringConvertible {
    /// The service's name, in log messages.
    public let name: String
    /// How long connections may go on after the servers stopped accepting.
    public let gracePeriod: Duration
    /// How long closing connections may take to write what they buffered before they are
    /// aborted.
    public let closeTimeout: Duration
    /// Where the service reports the steps of its shutdown; also the loop's `logger`.
    public let logger: Logger
    private let start: @Sendable (isolated EventLoop) async throws -> [Server]

    /// A service whose loop runs `start` and serves until shutdown.
    ///
    /// - Parameters:
    ///   - name: Names the service in log messages.
    ///   - gracePeriod: How long accepted connections may go on once shutdown began.
    ///   - closeTimeout: How long closing connections may take to flush their buffers.
    ///   - logger: Receives the shutdown's steps, and becomes the loop's `logger`.
    ///   - start: Starts the servers, as the loop's code; returns those to shut down.
    public init(
        name: String = "AsyncIO",
        gracePeriod: Duration = .seconds(10),
        closeTimeout: Duration = .seconds(5),
        logger: Logger = Logger(label: "AsyncIO"),
        _ start: @escaping @Sendable (isolated EventLoop) async throws -> [Server]
    ) {
        self.name = name
        self.gracePeriod = gracePeriod
        self.closeTimeout = closeTimeout
        self.logger = logger
        self.start = start
    }

    /// Runs the loop on a new thread until the servers are shut down; see the type's
    /// description for the steps.
    public func run() async throws {
        // The task's shutdown handlers run on other threads; the loop hears them through
        // the stream, whose continuation may be used from anywhere.
        let (requests, requester) = AsyncStream.makeStream(of: ShutdownRequest.self)
        defer { requester.finish() }
        try await withTaskCancellationHandler {
            try await withGracefulShutdownHandler {
                try await runLoopThread(requests)
            } onGracefulShutdown: {
                requester.yield(.graceful)
            }
        } onCancel: {
            requester.yield(.immediate)
        }
    }

    /// Runs the loop until `serve` returns, on a thread of its own, and waits for it.
    private func runLoopThread(_ requests: AsyncStream<ShutdownRequest>) async throws {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            do {
                // Detached: the continuation, not a join, tells when the loop is done.
                try LoopThread { [self] in
                    do {
                        try EventLoop.run { loop in
                            loop.logger = logger
                            try await serve(loop, requests: requests)
                        }
                        continuation.resume()
                    } catch {
                        continuation.resume(throwing: error)
                    }
                }.detach()
            } catch {
                continuation.resume(throwing: error)
            }
        }
    }

    /// The loop's side: starts the servers, then waits for the first shutdown request and
    /// shuts them down (EventLoopService+Shutdown.swift).
    private func serve(_ loop: isolated EventLoop, requests: AsyncStream<ShutdownRequest>) async throws {
        let servers = try await start(loop)
        let shutdown = ShutdownRequests(loop: loop)
        let listener = loop.createTask {
            for await request in requests { shutdown.note(request) }
        }
        defer { listener.cancel() }
        try await shutdown.requested.value
        await shutDown(loop, servers, shutdown)
    }

    /// `EventLoopService(name: …)`.
    public var description: String { "EventLoopService(name: \(name))" }
}
