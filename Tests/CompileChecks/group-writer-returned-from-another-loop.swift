// expect-error: type 'StreamWriter' does not conform to the 'Sendable' protocol
// Work sent to another loop may not hand back that loop's objects.
import AsyncIO

func misuse(_ group: EventLoopGroup) async throws {
    let (_, writer) = try await group.loops[1].runCoroutineThreadsafe { loop in
        try await loop.openConnection(host: "127.0.0.1", port: 9)
    }
    writer.write([1])
}
