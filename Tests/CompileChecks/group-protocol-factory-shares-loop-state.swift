// expect-error: capture of 'room' with non-Sendable type 'Room' in a '@Sendable' closure
// A group server's plain factory runs on every loop: it may not share a plain class.
import AsyncIO

final class Room {
    var members = 0
}

final class Member: StreamingProtocol {
    init(_ room: Room) { room.members += 1 }
}

func misuse(_ group: EventLoopGroup) async throws {
    let room = Room()
    _ = try await group.createServer({ Member(room) }, host: "127.0.0.1", port: 0)
}
