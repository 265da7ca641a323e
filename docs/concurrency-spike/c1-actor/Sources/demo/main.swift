// C1 demo: A1 chat, A2 protocol server, A3 createTask, then the await benchmark.
// swift run -c release demo [onTaskExecutor|isolatedTo|onSerial]
import Loop

final class Room {                       // plain class: no Sendable, no locks
    var writers: [StreamWriter] = []
    var log: [String] = []
    func join(_ w: StreamWriter) { writers.append(w) }
    func broadcast(_ s: String, from: StreamWriter) { log.append(s); for w in writers where w !== from { w.write(s) } }
    func leave(_ w: StreamWriter) { writers.removeAll { $0 === w } }
}

final class EchoProtocol: StreamingProtocol {   // A2: non-Sendable protocol object, nonisolated requirements
    let room: Room
    var transport: Transport?
    init(_ room: Room) { self.room = room }
    func connectionMade(_ transport: Transport) { self.transport = transport; room.log.append("made") }
    func dataReceived(_ line: String) { room.log.append(line); transport?.write("echo:" + line) }
    func connectionLost() {}
}

let modeArg = CommandLine.arguments.dropFirst().first ?? "perJob"
let mode: JobMode = modeArg == "isolatedTo" ? .isolatedTo : modeArg == "onSerial" ? .onSerial : modeArg == "onTaskExecutor" ? .onTaskExecutor : modeArg == "split" ? .split : .perJob

let pref = !CommandLine.arguments.contains("nopref")
try EventLoop.run(mode: mode, preference: pref) { loop in
    // A1
    let room = Room()
    let server = loop.startServerPlain { reader, writer in
        room.join(writer)
        while let line = await reader.readLine() { room.broadcast(line, from: writer) }
        room.leave(writer)
    }
    let (r1, w1) = loop.connect(server)
    let (r2, w2) = loop.connect(server)
    while room.writers.count < 2 { await loop.awaitCallback() }   // let both handlers join
    w1.write("hello from 1")
    let got = await r2.readLine()
    w2.write("hi from 2")
    let got1 = await r1.readLine()
    print("A1:", got ?? "nil", "/", got1 ?? "nil", "room.log =", room.log)

    // A2
    let room2 = Room()
    let pserver = loop.createServer { EchoProtocol(room2) }
    let (pr, pw) = loop.connect(pserver)
    pw.write("ping")
    print("A2:", await pr.readLine() ?? "nil", "room2.log =", room2.log)

    // A3: concurrent work on the loop from inside a handler
    let room3 = Room()
    let s3 = loop.startServer { reader, writer in
        _ = loop                                    // needed: @isolated(any) handlers must capture the loop
        room3.join(writer)
        loop.createTaskAny { _ = loop; writer.write("from task"); room3.log.append("task ran") }
        Task { _ = loop; writer.write("from Task{}") }
    }
    let (r3, _) = loop.connect(s3)
    print("A3:", await r3.readLine() ?? "nil", await r3.readLine() ?? "nil", room3.log)

    // Benchmark
    let n = 200_000
    func report(_ label: String, _ e0: Int, _ t0: UInt64) {
        print("  \(label): \((nowNanos() - t0) / UInt64(n)) ns/op, \(Double(loop.core.jobEnqueues - e0) / Double(n)) enqueues/op")
    }
    print("bench (mode \(modeArg), preference \(pref), n=\(n)):")
    var e0 = loop.core.jobEnqueues, t0 = nowNanos()
    for _ in 0..<n { await loop.awaitCallback() }
    report("isolated main -> isolated async awaitCallback", e0, t0)
    e0 = loop.core.jobEnqueues; t0 = nowNanos()
    for _ in 0..<n { await loop.awaitCallbackNS() }
    report("isolated main -> nonsending awaitCallbackNS", e0, t0)
    e0 = loop.core.jobEnqueues; t0 = nowNanos()
    for _ in 0..<n { await withUnsafeContinuation { c in loop.core.callSoon { c.resume() } } }
    report("isolated main -> inline withUnsafeContinuation", e0, t0)
    var acc = 0
    e0 = loop.core.jobEnqueues; t0 = nowNanos()
    for _ in 0..<n { acc &+= loop.tick() }
    report("isolated main -> sync isolated tick()", e0, t0)
    // A handler-like context that is NOT statically isolated (plain handler / createTask body).
    let plainTask = loop.createTask {
        let e0 = loop.core.jobEnqueues, t0 = nowNanos()
        for _ in 0..<n { await loop.awaitCallbackNS() }
        print("  createTask body (captures loop => isolated) -> nonsending: \((nowNanos() - t0) / UInt64(n)) ns/op, \(Double(loop.core.jobEnqueues - e0) / Double(n)) enqueues/op")
    }
    await plainTask.value
    let core = loop.core
    let plainTask2 = loop.createTask {
        let e0 = core.jobEnqueues, t0 = nowNanos()
        for _ in 0..<n { await withUnsafeContinuation { c in core.callSoon { c.resume() } } }
        print("  createTask body (nonisolated, loop preference) -> inline continuation: \((nowNanos() - t0) / UInt64(n)) ns/op, \(Double(core.jobEnqueues - e0) / Double(n)) enqueues/op")
    }
    await plainTask2.value
    print("acc", acc)
}
