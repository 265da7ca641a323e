// expect-error: passing closure as a 'sending' parameter risks causing data races between 'loop'-isolated code and concurrent execution of the closure
// A stream reader belongs to its loop: a detached task may not read from it.
import AsyncIO

func misuse(_ loop: isolated EventLoop) async throws {
    let (reader, _) = try await loop.openConnection(host: "127.0.0.1", port: 9)
    Task.detached { _ = try await reader.read(10) }
}
