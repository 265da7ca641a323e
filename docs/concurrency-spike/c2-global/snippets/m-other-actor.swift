// EXPECT: error
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
    _ = room
  }
}
actor Other { func use(_ w: StreamWriter) { w.write("x") } }
