// expect-error: capture of 'writer' with non-Sendable type 'StreamWriter' in a '@Sendable' closure
// A writer of one loop of a group may not be used by work sent to another loop.
import AsyncIO

func misuse(_ loop: isolated EventLoop, _ group: EventLoopGroup) async throws {
    let (_, writer) = try await loop.openConnection(host: "127.0.0.1", port: 9)
    _ = try await group.loops[1].runCoroutineThreadsafe { _ in writer.write([1]) }
}
