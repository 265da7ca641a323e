// expect-error: capture of 'future' with non-Sendable type 'Future<Int>' in a '@Sendable' closure
// A group's main runs on every loop: it may not capture one loop's future.
import AsyncIO

func misuse(_ loop: isolated EventLoop, _ group: EventLoopGroup) throws {
    let future = loop.createFuture(of: Int.self)
    try group.run { _, _ in try future.setResult(1) }
}
