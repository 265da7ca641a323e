// EXPECT: error
import Loop
final class Room {
    var writers: [StreamWriter] = []
    func join(_ w: StreamWriter) { writers.append(w) }
    func broadcast(_ s: String, from: StreamWriter) { for w in writers where w !== from { w.write(s) } }
    func leave(_ w: StreamWriter) { writers.removeAll { $0 === w } }
}
func program() throws {
  try EventLoop.run { loop in
    let room = Room()
    let loop2 = EventLoop(name: "loop2")
    _ = loop.startServer { reader, writer in
        _ = loop
        await loop2.createTask { writer.write("x") }
    }
  }
}
