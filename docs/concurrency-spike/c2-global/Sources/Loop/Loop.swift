// C2: a global actor for "the" loop. Loop-bound types are @LoopActor classes (Sendable, usable only on the loop).
import Synchronization

@globalActor public actor LoopActor {
    public static let shared = LoopActor()
    /// One process-wide loop...
    public static let core = LoopCore(name: "main-loop")
    /// ...or (multi-loop experiment) a proxy that answers for whichever loop thread is current.
    public static let proxy = ProxyExecutor()
    nonisolated(unsafe) public static var multiLoop = false
    public nonisolated var unownedExecutor: UnownedSerialExecutor {
        LoopActor.multiLoop ? LoopActor.proxy.asUnownedSerialExecutor() : LoopActor.core.serial.asUnownedSerialExecutor()
    }
}

/// Multi-loop proxy: enqueue goes to the loop registered for the current thread; checkIsolated
/// passes on ANY loop thread. (Unsound: see the demo.)
public final class ProxyExecutor: SerialExecutor, @unchecked Sendable {
    let loops = Mutex<[LoopCore]>([])
    public func register(_ c: LoopCore) { loops.withLock { $0.append(c) } }
    func current() -> LoopCore? { loops.withLock { $0.first { $0.isOnLoopThread } } }
    public func enqueue(_ job: consuming ExecutorJob) {
        // Off every loop thread we cannot know which loop the job belongs to: pick the first.
        (current() ?? loops.withLock { $0[0] }).enqueue(job)
    }
    public func isIsolatingCurrentContext() -> Bool? { current() != nil }
    public func checkIsolated() { precondition(current() != nil, "not on a loop thread") }
}

public enum EventLoop {
    /// asyncio.run for the process's loop: runs `main` on the loop, on the calling thread.
    public static func run(mode: JobMode = .split, _ main: @escaping @LoopActor () async -> Void) {
        let core = LoopActor.core
        core.mode = mode
        nonisolated(unsafe) let main = main
        Task(executorPreference: core) { await main(); core.stop() }  // Task(executorPreference:) { @LoopActor in } crashes RBI: "pattern ... does not understand"
        core.run()
    }
    @LoopActor @discardableResult
    public static func createTask(_ op: @escaping @LoopActor () async -> Void) -> Task<Void, Never> {
        nonisolated(unsafe) let op = op
        return Task(executorPreference: LoopActor.core) { await op() }
    }
    @LoopActor
    public static func startServer(_ handler: @escaping @LoopActor (StreamReader, StreamWriter) async -> Void) -> Server {
        Server(handler: handler)
    }
    @LoopActor
    public static func createServer(_ factory: @escaping @LoopActor () -> any StreamingProtocol) -> Server {
        Server(factory: factory)
    }
    @LoopActor
    public static func connect(_ server: Server) -> (StreamReader, StreamWriter) {
        let c2s = Pipe(), s2c = Pipe()
        server.accept(StreamReader(c2s), StreamWriter(s2c))
        return (StreamReader(s2c), StreamWriter(c2s))
    }
    @LoopActor public static func awaitCallback() async {
        await withUnsafeContinuation { c in LoopActor.core.callSoon { c.resume() } }
    }
}

@LoopActor final class Pipe {
    var lines: [String] = []
    var closed = false
    var waiter: UnsafeContinuation<String?, Never>?
    var onData: ((String) -> Void)?
    func push(_ s: String) {
        if let onData { LoopActor.core.callSoon { onData(s) }; return }
        lines.append(s)
        if let w = waiter { waiter = nil; LoopActor.core.callSoon { w.resume(returning: self.lines.removeFirst()) } }
    }
}
@LoopActor public final class StreamReader {
    let pipe: Pipe
    init(_ p: Pipe) { pipe = p }
    public func readLine() async -> String? {
        if !pipe.lines.isEmpty { return pipe.lines.removeFirst() }
        return await withUnsafeContinuation { c in pipe.waiter = c }
    }
}
@LoopActor public final class StreamWriter {
    let pipe: Pipe
    init(_ p: Pipe) { pipe = p }
    public func write(_ s: String) { pipe.push(s) }
}
@LoopActor public final class Transport {
    let pipe: Pipe
    init(_ p: Pipe) { pipe = p }
    public func write(_ s: String) { pipe.push(s) }
}
@LoopActor public final class Future<T> {
    var value: T?
    public init() {}
    public func setResult(_ v: T) { value = v }
}
/// Library protocol with nonisolated requirements: conform with `extension X: @LoopActor StreamingProtocol` (SE-0470).
public protocol StreamingProtocol: AnyObject {
    func connectionMade(_ transport: Transport)
    func dataReceived(_ line: String)
}
/// Alternative: a protocol whose requirements are isolated to the loop.
@LoopActor public protocol LoopStreamingProtocol: AnyObject {
    func connectionMade(_ transport: Transport)
    func dataReceived(_ line: String)
}
@LoopActor public final class Server {
    var handler: (@LoopActor (StreamReader, StreamWriter) async -> Void)?
    var factory: (@LoopActor () -> any StreamingProtocol)?
    init(handler: @escaping @LoopActor (StreamReader, StreamWriter) async -> Void) { self.handler = handler }
    init(factory: @escaping @LoopActor () -> any StreamingProtocol) { self.factory = factory }
    func accept(_ r: StreamReader, _ w: StreamWriter) {
        if let factory {
            let p = factory(); let t = Transport(w.pipe)
            r.pipe.onData = { p.dataReceived($0) }
            p.connectionMade(t)
            return
        }
        let h = handler!
        Task(executorPreference: LoopActor.core) { await h(r, w) }
    }
    public func close() {}
}
