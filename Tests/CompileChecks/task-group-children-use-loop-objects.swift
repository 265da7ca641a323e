// expect: ok
// LoopTaskGroup's children are the loop's code: they use the loop's writers and a plain
// class shared with the body, with no annotation (compare
// swift-task-group-child-uses-writer.swift).
import AsyncIO

final class Tally {
    var lines = 0
}

func greetAll(_ loop: isolated EventLoop, _ writers: [StreamWriter]) async throws {
    let tally = Tally()
    try await loop.taskGroup { group in
        for writer in writers {
            try group.createTask {
                writer.write(Array("hello\n".utf8))
                try await writer.drain()
                tally.lines += 1
            }
        }
    }
    print(tally.lines)
}
