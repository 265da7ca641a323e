// expect-error: passing closure as a 'sending' parameter risks causing data races between 'loop'-isolated code and concurrent execution of the closure
// A lock is made in its loop's region (its initializer takes the loop as isolated), so even
// a lock nobody else uses yet cannot be handed whole to a detached task.
import AsyncIO

func misuse(_ loop: isolated EventLoop) async throws {
    let lock = Lock(loop: loop)
    Task.detached { try await lock.withLock { print("off the loop") } }
}
