// expect-error: passing closure as a 'sending' parameter risks causing data races between 'loop'-isolated code and concurrent execution of the closure
// A lock the loop's tasks share may not be used from a detached task, which runs on
// another thread and would race them over the lock's state.
import AsyncIO

func misuse(_ loop: isolated EventLoop) async throws {
    let lock = Lock(loop: loop)
    loop.createTask { try await lock.withLock { print("loop task") } }
    Task.detached { try lock.release() }
}
