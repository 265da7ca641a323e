// expect-error: sending value of non-Sendable type 'nonisolated(nonsending) () async -> ()' risks causing data races
// One loop's writer may not be used by code of another loop.
import AsyncIO

func misuse(_ loop: isolated EventLoop, _ other: EventLoop) async throws {
    let (_, writer) = try await loop.openConnection(host: "127.0.0.1", port: 9)
    await other.createTask { writer.write([1]) }
}
