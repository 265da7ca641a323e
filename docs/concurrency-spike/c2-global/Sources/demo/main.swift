// C2 demo: A1 on the global-actor loop, await cost, then the N-loop proxy unsoundness.
// swift run -c release demo
import Loop
import Glibc

@LoopActor final class Room {
    var writers: [StreamWriter] = []
    var log: [String] = []
    func join(_ w: StreamWriter) { writers.append(w) }
    func broadcast(_ s: String, from: StreamWriter) { log.append(s); for w in writers where w !== from { w.write(s) } }
}
@inline(never) func opaque(_ x: Int) -> Int { x }
enum G { @LoopActor static var counter = 0 }

if CommandLine.arguments.contains("multi") {
    // Two loops on two threads behind ONE global actor via the proxy executor.
    LoopActor.multiLoop = true
    let a = LoopCore(name: "A"), b = LoopCore(name: "B")
    LoopActor.proxy.register(a); LoopActor.proxy.register(b)
    for core in [a, b] {
        core.callSoonThreadsafe {
            // The runtime accepts this on both threads: checkIsolated says "yes" on any loop thread.
            // A @LoopActor task started on this loop's thread: the proxy enqueues it on this loop,
            // and both loops then run "LoopActor-isolated" code at the same time.
            Task { @LoopActor in
                for _ in 0..<30_000_000 { G.counter = opaque(G.counter) + 1 }
                print("loop", core.name, "thread ran LoopActor code; checkIsolated ok:", LoopActor.proxy.isIsolatingCurrentContext()!)
                core.stop()
            }
        }
    }
    let ta = a.runOnNewThread(), tb = b.runOnNewThread()
    pthread_join(ta, nil); pthread_join(tb, nil)
    LoopActor.multiLoop = false
    EventLoop.run { print("multi-loop: @LoopActor counter =", G.counter, "(expected 60000000; less = lost updates = data race)") }
    exit(0)
}

EventLoop.run {
    let room = Room()
    let server = EventLoop.startServer { reader, writer in
        room.join(writer)
        while let line = await reader.readLine() { room.broadcast(line, from: writer) }
    }
    let (r1, w1) = EventLoop.connect(server)
    let (r2, w2) = EventLoop.connect(server)
    while room.writers.count < 2 { await EventLoop.awaitCallback() }
    w1.write("hello from 1")
    let got = await r2.readLine()
    w2.write("hi from 2")
    print("A1:", got ?? "nil", "/", await r1.readLine() ?? "nil", room.log)
    let n = 200_000
    let core = LoopActor.core
    var e0 = core.jobEnqueues, t0 = nowNanos()
    for _ in 0..<n { await EventLoop.awaitCallback() }
    print("  @LoopActor main -> @LoopActor awaitCallback: \((nowNanos() - t0) / UInt64(n)) ns/op, \(Double(core.jobEnqueues - e0) / Double(n)) enqueues/op")
    e0 = core.jobEnqueues; t0 = nowNanos()
    for _ in 0..<n { await withUnsafeContinuation { c in core.callSoon { c.resume() } } }
    print("  @LoopActor main -> inline continuation: \((nowNanos() - t0) / UInt64(n)) ns/op, \(Double(core.jobEnqueues - e0) / Double(n)) enqueues/op")
}
