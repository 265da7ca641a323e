/// A server listening on every loop of an `EventLoopGroup`: asyncio's `Server`, once per
/// loop, behind one value. Made by the group's `createServer` or `startServer`.
///
/// Each loop has its own `Server`, which never leaves that loop, and serves the connections
/// it gets: by default each loop listens on the same address and port (SO_REUSEPORT: the
/// kernel spreads incoming connections over them); with `.roundRobin` loop 0 accepts and
/// hands them out in turn (`Distribution`). This value only sends the loops' servers
/// commands, so it is `Sendable` and may be used from any loop or thread.
public final class GroupServer: Sendable, CustomStringConvertible {
    /// The addresses every loop listens on (the first loop's sockets' addresses).
    public let addresses: [SocketAddress]
    /// How long clients may stay once the group stops, before they are closed.
    public let clientGracePeriod: Duration
    let members: [Member]

    /// One loop's part: the task that keeps its `Server` and the way to send it commands.
    struct Member: Sendable {
        let loop: EventLoop
        let keeper: Task<Int, Never>
        let commands: AsyncStream<GroupServerCommand>.Continuation
    }

    init(members: [Member], addresses: [SocketAddress], clientGracePeriod: Duration) {
        self.members = members
        self.addresses = addresses
        self.clientGracePeriod = clientGracePeriod
    }

    /// How a group server's connections reach its loops.
    public enum Distribution: Sendable, Equatable {
        /// Every loop listens on the address (SO_REUSEPORT) and the kernel picks the loop of
        /// each connection by a hash of its addresses: no hop, but a few connections may
        /// leave a loop idle (4 connections over 4 loops left one or two idle in every
        /// trial, BENCHMARKS.md).
        case reusePort
        /// Loop 0 alone listens and hands each accepted connection to the next loop in
        /// turn (itself included), as NIO's server channel hands child channels to its
        /// group: an even spread, for one hop (a descriptor sent to the other loop) per
        /// connection.
        case roundRobin
    }

    /// The port every loop listens on (the real one when the server was asked for port 0).
    public var port: Int? { addresses.first?.port }

    /// Stops listening on every loop (asyncio's `close()`). Connected clients stay up;
    /// `waitClosed()` returns once they are gone too.
    public func close() { send(.close) }

    /// Closes every connected client on every loop (asyncio's `close_clients()`).
    public func closeClients() { send(.closeClients) }

    /// Aborts every connected client on every loop (asyncio's `abort_clients()`).
    public func abortClients() { send(.abortClients) }

    /// Returns once every loop's server is closed and has no connection left (asyncio's
    /// `wait_closed()`, for all of them).
    nonisolated(nonsending) public func waitClosed() async {
        for member in members { _ = await member.keeper.value }
    }

    /// Serves until cancelled (asyncio's `serve_forever()`): cancellation, as the group's
    /// stop on SIGINT or SIGTERM does, shuts the server down (stop listening, clients get
    /// `clientGracePeriod`, then are closed) and waits for it, then throws
    /// `CancellationError`; `close()` from elsewhere ends it the same way once the clients
    /// are gone.
    nonisolated(nonsending) public func serveForever() async throws {
        await withTaskCancellationHandler {
            await waitClosed()
        } onCancel: {
            Task { await self.shutdown() }
        }
        throw CancellationError()
    }

    /// The connections each loop has accepted so far, in loop order: how evenly the kernel
    /// spread them.
    nonisolated(nonsending) public func connectionCounts() async -> [Int] {
        var counts: [Int] = []
        for member in members {
            let count = await withCheckedContinuation { (reply: CheckedContinuation<Int, Never>) in
                if case .terminated = member.commands.yield(.connectionCount(reply)) {
                    // The loop's server is gone; its keeper's result is the final count.
                    Task { reply.resume(returning: await member.keeper.value) }
                }
            }
            counts.append(count)
        }
        return counts
    }

    /// Stops listening, lets clients finish for `clientGracePeriod`, then closes the ones
    /// left (and aborts those that do not close within another grace period); returns once
    /// every loop's server is closed. What the group does with its servers when it stops.
    func shutdown() async {
        send(.shutdown(clientGracePeriod))
        await waitClosed()
    }

    private func send(_ command: GroupServerCommand) {
        for member in members { member.commands.yield(command) }
    }

    /// How the server prints: its number of loops and its addresses.
    public var description: String {
        "<GroupServer loops=\(members.count) addresses=\(addresses.map(\.description))>"
    }
}

/// What a `GroupServer` asks of one loop's server.
enum GroupServerCommand: Sendable {
    /// A connection the acceptor accepted for this loop: its descriptor and peer.
    case adopt(Int32, SocketAddress)
    case close
    case closeClients
    case abortClients
    case shutdown(Duration)
    case connectionCount(CheckedContinuation<Int, Never>)
}
