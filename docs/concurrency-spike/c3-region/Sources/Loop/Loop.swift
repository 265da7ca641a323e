// C3: no actor at all; EventLoop is a non-Sendable class. (derived from C1) whose executor is the run loop; loop-bound types are non-Sendable.

public final class EventLoop {
    public nonisolated let core: LoopCore
    var liveTasks = 0

    public init(name: String = "loop") { core = LoopCore(name: name) }

    /// asyncio.run: runs `main` isolated to a new loop on the calling thread.
    public static func run<T: Sendable>(name: String = "loop", drainMainQueue: Bool = false, mode: JobMode = .perJob, preference: Bool = true,
                                        _ main: @escaping (EventLoop) async throws -> T) throws -> T {
        let loop = EventLoop(name: name)
        loop.core.mode = mode
        loop.core.drainMainQueue = drainMainQueue
        nonisolated(unsafe) var result: Result<T, any Error>?
        nonisolated(unsafe) let main = main
        let body: () async -> Void = {
            do { result = .success(try await main(loop)) } catch { result = .failure(error) }
            loop.core.stop()
        }
        nonisolated(unsafe) let b = body
        if preference { Task(executorPreference: loop.core) { await b() } }
        else { loop.core.callSoonThreadsafe { Task.immediate { await b() } } }
        loop.core.run()
        return try result!.get()
    }

    // MARK: createTask variants
    /// (1) a non-Sendable, non-sending closure: the body inherits nothing statically.
    @discardableResult
    public func createTask(_ op: @escaping () async -> Void) -> Task<Void, Never> {
        nonisolated(unsafe) let op = op
        return Task(executorPreference: core) { await op() }
    }
    /// (2) @isolated(any): the library can check op.isolation === self.
    @discardableResult
    public func createTaskAny(_ op: @escaping @isolated(any) () async -> Void) -> Task<Void, Never> {
        precondition(op.isolation === self, "createTaskAny: closure is not isolated to this loop (capture `loop`)")
        nonisolated(unsafe) let op = op
        return Task(executorPreference: core) { await op() }
    }
    /// (3) nonisolated(nonsending) body: runs on whatever isolation the task starts on.
    @discardableResult
    public func createTaskNS(_ op: nonisolated(nonsending) @escaping () async -> Void) -> Task<Void, Never> {
        nonisolated(unsafe) let op = op
        return Task(executorPreference: core) { await op() }   // Task isolated to self
    }
    /// (4) what the compiler allows with no cheats: `Task { }` in an actor method.
    @discardableResult
    public func createTaskHonest(_ op: @escaping () async -> Void) -> Task<Void, Never> {
        nonisolated(unsafe) let op = op   // C3: no honest way; the library must check the thread at run time
        precondition(core.isOnLoopThread, "createTaskHonest: call it on the loop's thread")
        return Task(executorPreference: core) { await op() }
    }

    // MARK: servers (an in-memory "network": connect() makes a connection to a server)
    public func startServer(_ handler: @escaping @isolated(any) (StreamReader, StreamWriter) async -> Void) -> Server {
        // Calling an @isolated(any) closure with non-Sendable arguments is rejected
        // ("sending 'r' risks causing data races"): the library must check and cheat.
        precondition(handler.isolation === self, "startServer: handler is not isolated to this loop")
        nonisolated(unsafe) let handler = handler
        return Server(loop: self, handler: { r, w in
            nonisolated(unsafe) let r = r, w = w
            await handler(r, w)
        })
    }
    public func startServerPlain(_ handler: @escaping (StreamReader, StreamWriter) async -> Void) -> Server {
        Server(loop: self, handler: handler)
    }
    public func startServerNS(_ handler: nonisolated(nonsending) @escaping (StreamReader, StreamWriter) async -> Void) -> Server {
        Server(loop: self, nsHandler: handler)
    }
    public func startServerIsoParam(_ handler: @escaping (EventLoop, StreamReader, StreamWriter) async -> Void) -> Server {
        Server(loop: self, handler: { r, w in await handler(self, r, w) })
    }
    public func createServer(_ factory: @escaping () -> any StreamingProtocol) -> Server {
        Server(loop: self, factory: factory)
    }

    /// Opens a client connection to `server`; the server side runs its handler/protocol.
    public func connect(_ server: Server) -> (StreamReader, StreamWriter) {
        let c2s = Pipe(core), s2c = Pipe(core)
        server.accept(StreamReader(c2s), StreamWriter(s2c, core), loop: self)
        return (StreamReader(s2c), StreamWriter(c2s, core))
    }

    /// A sync loop-isolated method (to measure isolated → isolated calls).
    public func tick() -> Int { liveTasks &+= 1; return liveTasks }

    /// One await resumed from a loop callback (the "I/O callback" path).
    public func awaitCallback() async {
        await withUnsafeContinuation { c in core.callSoon { c.resume() } }
    }
    public nonisolated(nonsending) func awaitCallbackNS() async {
        await withUnsafeContinuation { c in core.callSoon { c.resume() } }
    }
}

final class Pipe {
    let core: LoopCore
    var lines: [String] = []
    var closed = false
    var waiter: UnsafeContinuation<String?, Never>?
    var onData: ((String) -> Void)?
    init(_ core: LoopCore) { self.core = core }
    func push(_ s: String) {
        if let onData { core.callSoon { onData(s) }; return }
        lines.append(s)
        if let w = waiter { waiter = nil; core.callSoon { w.resume(returning: self.lines.removeFirst()) } }
    }
    func close() {
        closed = true
        if let w = waiter { waiter = nil; core.callSoon { w.resume(returning: nil) } }
    }
}

/// Non-Sendable: lives in the region (isolation) where it was made.
public final class StreamReader {
    let pipe: Pipe
    init(_ p: Pipe) { pipe = p }
    public nonisolated(nonsending) func readLine() async -> String? {
        if !pipe.lines.isEmpty { return pipe.lines.removeFirst() }
        if pipe.closed { return nil }
        return await withUnsafeContinuation { c in
            if !pipe.lines.isEmpty { c.resume(returning: pipe.lines.removeFirst()) }
            else if pipe.closed { c.resume(returning: nil) }
            else { pipe.waiter = c }
        }
    }
}
public final class StreamWriter {
    let pipe: Pipe
    let core: LoopCore
    init(_ p: Pipe, _ c: LoopCore) { pipe = p; core = c }
    public func write(_ s: String) { pipe.push(s) }
    public func close() { pipe.close() }
}
public final class Transport {
    let pipe: Pipe
    init(_ p: Pipe) { pipe = p }
    public func write(_ s: String) { pipe.push(s) }
    public func close() { pipe.close() }
}
public final class Future<T> {
    var value: T?
    public init() {}
    public func setResult(_ v: T) { value = v }
}

/// Protocol objects: nonisolated sync requirements; non-Sendable classes conform freely.
public protocol StreamingProtocol: AnyObject {
    func connectionMade(_ transport: Transport)
    func dataReceived(_ line: String)
    func connectionLost()
}

public final class Server {
    unowned let loop: EventLoop
    var handler: ((StreamReader, StreamWriter) async -> Void)?
    var nsHandler: (nonisolated(nonsending) (StreamReader, StreamWriter) async -> Void)?
    var factory: (() -> any StreamingProtocol)?
    init(loop: EventLoop, handler: @escaping (StreamReader, StreamWriter) async -> Void) { self.loop = loop; self.handler = handler }
    init(loop: EventLoop, nsHandler: nonisolated(nonsending) @escaping (StreamReader, StreamWriter) async -> Void) { self.loop = loop; self.nsHandler = nsHandler }
    init(loop: EventLoop, factory: @escaping () -> any StreamingProtocol) { self.loop = loop; self.factory = factory }
    func accept(_ r: StreamReader, _ w: StreamWriter, loop: EventLoop) {
        if let factory {
            let p = factory()
            let t = Transport(w.pipe)
            r.pipe.onData = { p.dataReceived($0) }
            loop.core.callSoon { p.connectionMade(t) }
            return
        }
        nonisolated(unsafe) let h = handler, ns = nsHandler, r = r, w = w
        if let ns { nonisolated(unsafe) let ns = ns; Task(executorPreference: loop.core) { await ns(r, w) }; return }
        Task(executorPreference: loop.core) { await h!(r, w) }
    }
    public func close() {}
}
