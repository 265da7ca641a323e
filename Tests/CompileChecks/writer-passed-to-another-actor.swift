// expect-error: sending 'writer' risks causing data races
// Another actor may not be handed a loop's writer.
import AsyncIO

actor Logger {
    func keep(_ writer: StreamWriter) {}
}

func misuse(_ loop: isolated EventLoop, _ logger: Logger) async throws {
    let (_, writer) = try await loop.openConnection(host: "127.0.0.1", port: 9)
    await logger.keep(writer)
}
