// expect: ok
// README's "A loop per core": a server on every loop; each loop's protocols share a plain
// class of that loop (made by `perLoop`), and loops exchange only Sendable values.
import AsyncIO

final class Room {
    var members = 0
}

final class Member: StreamingProtocol {
    private let room: Room
    init(_ room: Room) {
        self.room = room
        room.members += 1
    }
}

func serve() throws {
    let group = try EventLoopGroup()
    try group.run { loop in
        let server = try await group.createServer(perLoop: { _ in
            let room = Room()
            return { Member(room) }
        }, host: "127.0.0.1", port: 0)
        let onOtherLoop = try await group.next().runCoroutineThreadsafe { other in
            other.time()
        }
        print(server.port ?? 0, onOtherLoop)
        try await server.serveForever()
    }
}

func everyLoop() throws {
    try EventLoopGroup(loopCount: 2).run { loop, index in
        let server = try await loop.createServer({ Member(Room()) }, host: "127.0.0.1", port: 8000,
                                                 reusePort: true)
        print(index, server.sockets.count)
        server.close()
    }
}
