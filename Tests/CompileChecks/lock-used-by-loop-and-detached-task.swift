// expect-error: passing closure as a 'sending' parameter risks causing data races between 'loop'-isolated code and concurrent execution of the closure
// A lock handed to a detached task may not be used by the loop's code afterwards: both
// would touch it at once.
import AsyncIO

func misuse(_ loop: isolated EventLoop) async throws {
    let lock = Lock(loop: loop)
    Task.detached { try await lock.acquire() }
    try await lock.acquire()
}
