import AsyncIO
import Logging

extension EventLoopService {
    /// What the service's task asks of its loop.
    enum ShutdownRequest: Sendable {
        /// Graceful shutdown: stop accepting, give connections the grace period.
        case graceful
        /// The task was cancelled: stop accepting and abort what remains.
        case immediate
    }

    /// The steps of the type's description, on the loop.
    func shutDown(_ loop: isolated EventLoop, _ servers: [Server], _ shutdown: ShutdownRequests) async {
        for server in servers { server.close() }
        logger.info("\(name): stopped accepting; connections may go on for \(gracePeriod)")
        if !shutdown.immediate.isDone,
           await waitForConnections(loop, servers, limit: gracePeriod, unless: shutdown.immediate) {
            logger.info("\(name): every connection finished within the grace period")
            return
        }
        if !shutdown.immediate.isDone {
            logger.info("\(name): closing the connections still open, after what they buffered")
            for server in servers { server.closeClients() }
            if await waitForConnections(loop, servers, limit: closeTimeout, unless: shutdown.immediate) {
                logger.info("\(name): every connection closed")
                return
            }
        }
        logger.warning("\(name): aborting the connections still open")
        for server in servers { server.abortClients() }
        // Aborted transports tell their protocols on the next iteration; the bound only
        // guards against a protocol that keeps its server waiting.
        if !(await waitForConnections(loop, servers, limit: closeTimeout, unless: nil)) {
            logger.error("\(name): connections still open after being aborted")
        }
    }

    /// Waits until every server is closed and has no connection left (true), or until
    /// `limit` passed or `interruption` is done (false).
    private func waitForConnections(
        _ loop: isolated EventLoop, _ servers: [Server], limit: Duration, unless interruption: Future<Void>?
    ) async -> Bool {
        let outcome = loop.createFuture(of: Bool.self)
        let waiter = loop.createTask {
            for server in servers { try await server.waitClosed() }
            if !outcome.isDone { try outcome.setResult(true) }
        }
        let timer = loop.callLater(limit) {
            if !outcome.isDone { try outcome.setResult(false) }
        }
        let token = interruption?.addDoneCallback { _ in
            if !outcome.isDone { try? outcome.setResult(false) }
        }
        defer {
            waiter.cancel()
            timer.cancel()
            if let token { _ = interruption?.removeDoneCallback(token) }
        }
        return (try? await outcome.value) ?? false
    }
}

/// The shutdown requests the loop has heard, as futures its code can wait on.
final class ShutdownRequests {
    /// Done at the first request of either kind.
    let requested: Future<Void>
    /// Done once an immediate shutdown was asked for.
    let immediate: Future<Void>

    init(loop: isolated EventLoop) {
        requested = loop.createFuture()
        immediate = loop.createFuture()
    }

    func note(_ request: EventLoopService.ShutdownRequest) {
        if !requested.isDone { try? requested.setResult(()) }
        if request == .immediate, !immediate.isDone { try? immediate.setResult(()) }
    }
}
