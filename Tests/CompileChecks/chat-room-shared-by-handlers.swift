// expect: ok
// Issue 12's first acceptance program, compiled: stream handlers share a plain class.
import AsyncIO

final class Room {
    var writers: [StreamWriter] = []
    func broadcast(_ line: [UInt8], from sender: StreamWriter) {
        for writer in writers where writer !== sender { writer.write(line) }
    }
}

func serve(_ loop: isolated EventLoop) async throws -> Server {
    let room = Room()
    return try await loop.startServer(host: "127.0.0.1", port: 0) { reader, writer in
        room.writers.append(writer)
        defer { room.writers.removeAll { $0 === writer } }
        for try await line in reader { room.broadcast(line, from: writer) }
    }
}
