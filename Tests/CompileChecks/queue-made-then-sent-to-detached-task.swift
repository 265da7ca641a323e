// expect-error: passing closure as a 'sending' parameter risks causing data races between 'loop'-isolated code and concurrent execution of the closure
// A queue is made in its loop's region, so it cannot be handed whole to a detached task.
import AsyncIO

func misuse(_ loop: isolated EventLoop) async throws {
    let queue = Queue<Int>(maxsize: 10, loop: loop)
    Task.detached { try await queue.put(1) }
}
