// expect: ok
// The control for the checks beside it: the same program with a StreamingProtocol compiles.
import AsyncIO

final class Echo: StreamingProtocol {}

func serve(_ loop: isolated EventLoop) async throws {
    _ = try await loop.createServer({ Echo() }, host: "127.0.0.1", port: 0)
}
