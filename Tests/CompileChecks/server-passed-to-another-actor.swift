// expect-error: sending 'server' risks causing data races
// A server belongs to its loop: another actor may not be handed it.
import AsyncIO

actor Registry {
    func keep(_ server: Server) {}
}

func misuse(_ loop: isolated EventLoop, _ registry: Registry) async throws {
    let server = try await loop.startServer(host: "127.0.0.1", port: 0) { _, writer in writer.close() }
    await registry.keep(server)
}
