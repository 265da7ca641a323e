// EXPECT: ok
import Loop
@LoopActor final class Room {
    var writers: [StreamWriter] = []
    func join(_ w: StreamWriter) { writers.append(w) }
    func broadcast(_ s: String, from: StreamWriter) { for w in writers where w !== from { w.write(s) } }
    func leave(_ w: StreamWriter) { writers.removeAll { $0 === w } }
}
func program() {
  EventLoop.run {
    let room = Room()
    _ = EventLoop.createServer { EchoProtocol(room) }
  }
}
@LoopActor final class EchoProtocol {
    let room: Room; var t: Transport?
    init(_ r: Room) { room = r }
}
extension EchoProtocol: @LoopActor StreamingProtocol {
    func connectionMade(_ transport: Transport) { t = transport }
    func dataReceived(_ line: String) { t?.write(line); _ = room.writers.count }
}
