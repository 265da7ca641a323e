// expect: ok
// README's "Chat room" example, as written there (inside a function).
import AsyncIO

/// A client: its writer, and its outbox of lines waiting to be sent.
final class Member {
    let name: String
    let writer: StreamWriter
    let outbox: Queue<[UInt8]>

    init(_ writer: StreamWriter, loop: isolated EventLoop) {
        name = "\(writer.getExtraInfo("peername") ?? "?")"
        self.writer = writer
        outbox = Queue(maxsize: 256, loop: loop)     // how far a client may fall behind
    }
}

final class Room {
    var members: [Member] = []

    /// Never waits: a member 256 lines behind is dropped, not waited for.
    func broadcast(_ line: [UInt8], from sender: Member) {
        for member in members where member !== sender {
            do {
                try member.outbox.putNowait(line)
            } catch is QueueFull {
                print("dropping \(member.name): it is not reading")
                members.removeAll { $0 === member }
                member.outbox.shutdown(immediate: true)
                member.writer.transport.abort()
            } catch {}                                  // QueueShutDown: it is leaving
        }
    }
}

func chatServer() throws {
    try EventLoop.run { loop in
        let room = Room()
        let server = try await loop.startServer(host: "127.0.0.1", port: 8888) { reader, writer in
            let member = Member(writer, loop: loop)
            room.members.append(member)
            let sending = loop.createTask {             // this client's writer task
                while let line = try? await member.outbox.get() {
                    writer.write(line)
                    try await writer.drain()            // waits for this client only
                }
            }
            do {
                for try await line in reader { room.broadcast(line, from: member) }
            } catch is OSError {}                       // reset, or aborted as slow
            room.members.removeAll { $0 === member }
            member.outbox.shutdown()                    // sends what is queued, then ends
            _ = await sending.result
            writer.close()
        }
        try await server.serveForever()
    }
}
