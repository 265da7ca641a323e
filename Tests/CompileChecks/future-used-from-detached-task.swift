// expect-error: passing closure as a 'sending' parameter risks causing data races between 'loop'-isolated code and concurrent execution of the closure
// A future belongs to its loop: a detached task may not set it.
import AsyncIO

func misuse(_ loop: isolated EventLoop) {
    let future = loop.createFuture(of: Int.self)
    _ = future
    Task.detached { try? future.setResult(1) }
}
