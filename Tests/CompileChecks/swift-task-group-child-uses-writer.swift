// expect-error: passing closure as a 'sending' parameter risks causing data races
// Swift's own task group: its children are not the loop's code, so a loop-bound writer
// cannot be used in one (README "Task helpers": use loop.taskGroup).
import AsyncIO

func greetAll(_ loop: isolated EventLoop, _ writers: [StreamWriter]) async throws {
    try await withThrowingTaskGroup(of: Void.self) { group in
        for writer in writers {
            group.addTask {
                writer.write(Array("hello\n".utf8))
                try await writer.drain()
            }
        }
        try await group.waitForAll()
    }
}
