// expect-error: passing closure as a 'sending' parameter risks causing data races between 'loop'-isolated code and concurrent execution of the closure
// A transport belongs to its loop: a detached task may not write to it.
import AsyncIO

final class Quiet: StreamingProtocol {}

func misuse(_ loop: isolated EventLoop) async throws {
    let (transport, _) = try await loop.createConnection({ Quiet() }, host: "127.0.0.1", port: 9)
    Task.detached { transport.write([1]) }
}
