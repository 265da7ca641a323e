import Glibc

/// A child process and its pipes: asyncio's `BaseSubprocessTransport` with
/// `_UnixSubprocessTransport`, on `uv_spawn`.
///
/// The protocol hears, in asyncio's order: `connectionMade` (after the pipes are set
/// up), then `pipeDataReceived(fd:data:)`, `pipeConnectionLost(fd:error:)` for each pipe
/// and `processExited()` (the order between pipes and exit is the operating system's),
/// and `connectionLost(nil)` once, after the child exited and every pipe closed. What
/// happens before `connectionMade` is delivered is queued and delivered after it.
///
/// Its life is `TransportCore`'s: `close()` moves it to closing, and `connectionLost` is
/// delivered once, when the child exited and every pipe closed, whether or not it was
/// closed.
///
/// Lifetime: the process handle's exit callback and the pipes keep the transport alive
/// until the child exited and the pipes closed; `connectionLost` then drops the protocol.
final class ProcessTransport: TransportCore<SubprocessSlot>, SubprocessTransport {
    /// One piped standard stream of the child.
    struct Pipe {
        let transport: any BaseTransport
        let pipeProtocol: SubprocessPipeProtocol
    }

    let pid: Int32
    private(set) var returnCode: Int32?
    private var process: UVProcess?
    private var pipes: [Int32: Pipe] = [:]
    /// asyncio's `_pending_calls`: events that arrive before `connectionMade` went out.
    private var pendingCalls: [() -> Void]? = []
    /// asyncio's `_finished`: `connectionLost` is queued (after the calls before it).
    private var isFinished = false
    /// Whether `close()` had to kill the child (asyncio logs it in debug mode).
    private(set) var wasKilledByClose = false
    private var exitWaiters: [LoopWaiter<Int32>] = []
    private var connectedWaiter: LoopWaiter<Void>?

    /// Takes over the spawned `process` and the parent's ends of its pipes
    /// (`pipes[fd]`: 0 is the child's stdin, 1 stdout, 2 stderr), then schedules
    /// `connectionMade` (asyncio's `_connect_pipes`).
    init(
        loop: EventLoop, process: UVProcess, pipes pipeHandles: [Int32: UVProcessPipe],
        protocol: any SubprocessProtocol
    ) {
        loop.assertOnLoopThread()
        self.process = process
        pid = process.pid
        super.init(loop: loop, slot: SubprocessSlot(member: `protocol`))
        for (fd, handle) in pipeHandles.sorted(by: { $0.key < $1.key }) {
            let pipeProtocol = SubprocessPipeProtocol(process: self, fd: fd)
            let transport: any BaseTransport
            if fd == 0 {
                transport = WritePipeTransport(loop: loop, pipe: handle, protocol: pipeProtocol, watchForClose: true)
            } else {
                transport = ReadPipeTransport(loop: loop, pipe: handle, protocol: pipeProtocol)
            }
            pipes[fd] = Pipe(transport: transport, pipeProtocol: pipeProtocol)
        }
        process.onExit = { [self] exitStatus, termSignal in
            processDidExit(termSignal != 0 ? -termSignal : Int32(truncatingIfNeeded: exitStatus))
        }
        if loop.debug { loop.logger.debug("process \(pid) created: \(self)") }
        loop.scheduleSoon { [self] in
            slot.member.connectionMade(self)
            let calls = pendingCalls ?? []
            pendingCalls = nil
            for call in calls { call() }
            let waiter = connectedWaiter
            connectedWaiter = nil
            waiter?.resume(returning: ())
        }
    }

    /// Waits until `connectionMade` was delivered (asyncio's `waiter` of `_connect_pipes`).
    nonisolated(nonsending) func waitConnected() async throws {
        try await loop.suspend { (waiter: LoopWaiter<Void>) in
            if pendingCalls == nil {
                waiter.resume(returning: ())
                return
            }
            connectedWaiter = waiter
            waiter.onCancel = { [self] in connectedWaiter = nil }
        }
    }

    // MARK: BaseTransport

    /// asyncio's extra `"subprocess"` (the `Popen` object): here the child's pid.
    func getExtraInfo(_ name: String) -> Any? {
        name == "subprocess" ? pid : nil
    }

    var peerName: SocketAddress? { nil }
    var sockName: SocketAddress? { nil }
    var socket: Socket? { nil }

    /// asyncio's `close()`: closes the pipes and kills the child if it still runs (a child
    /// that exited but was not reaped yet is left alone).
    func close() {
        loop.assertOnLoopThread()
        guard beginClosing() else { return }
        for fd in pipes.keys.sorted() { pipes[fd]!.transport.close() }
        guard returnCode == nil, let process, !process.hasExited, !process.hasTerminated else { return }
        if loop.debug { loop.logger.warning("Close running child process: kill \(self)") }
        wasKilledByClose = true
        _ = process.kill(SIGKILL)
    }

    // MARK: SubprocessTransport

    func getPipeTransport(_ fd: Int32) -> (any BaseTransport)? {
        pipes[fd]?.transport
    }

    /// asyncio's `send_signal`; a child that already exited is `OSError` ESRCH, Python's
    /// `ProcessLookupError`.
    func sendSignal(_ signal: Int32) throws {
        loop.assertOnLoopThread()
        guard returnCode == nil, let process, !process.hasExited else { throw Self.processLookupError() }
        let status = process.kill(signal)
        if status == -ESRCH { throw Self.processLookupError() }
        if status < 0 { throw OSError(uvStatus: status, operation: "kill(\(pid), \(signal))") }
    }

    func terminate() throws { try sendSignal(SIGTERM) }

    func kill() throws { try sendSignal(SIGKILL) }

    static func processLookupError() -> OSError {
        OSError(errno: ESRCH, message: OSError.strerror(ESRCH))
    }

    /// asyncio's `_wait()`: the return code, once the child exited and the transport
    /// finished (asyncio 3.13 wakes waiters after `connectionLost`).
    nonisolated(nonsending) func wait() async throws -> Int32 {
        loop.assertOnLoopThread()
        return try await loop.suspend { (waiter: LoopWaiter<Int32>) in
            if let returnCode, state == .lost {
                waiter.resume(returning: returnCode)
                return
            }
            exitWaiters.append(waiter)
            waiter.onCancel = { [self] in exitWaiters.removeAll { $0 === waiter } }
        }
    }

    // MARK: Events from the pipes and the process

    /// asyncio's `_call`: queued until `connectionMade` went out, else delivered now.
    private func call(_ body: @escaping () -> Void) {
        if pendingCalls != nil {
            pendingCalls!.append(body)
        } else {
            body()
        }
    }

    func pipeDataReceived(fd: Int32, data: [UInt8]) {
        // The hot path: no closure allocation once connectionMade went out.
        if pendingCalls == nil {
            slot.member.pipeDataReceived(fd: fd, data: data)
        } else {
            pendingCalls!.append { [self] in slot.member.pipeDataReceived(fd: fd, data: data) }
        }
    }

    func pipeConnectionLost(fd: Int32, error: (any Error)?) {
        call { [self] in slot.member.pipeConnectionLost(fd: fd, error: error) }
        tryFinish()
    }

    /// asyncio's `_process_exited`.
    private func processDidExit(_ code: Int32) {
        assert(returnCode == nil)
        if loop.debug { loop.logger.info("\(self) exited with return code \(code)") }
        returnCode = code
        process?.close()
        call { [self] in slot.member.processExited() }
        tryFinish()
    }

    /// asyncio's `_try_finish`: `connectionLost` once the child exited and every pipe is gone.
    private func tryFinish() {
        guard !isFinished, returnCode != nil else { return }
        guard pipes.values.allSatisfy({ $0.pipeProtocol.isDisconnected }) else { return }
        isFinished = true
        call { [self] in deliverConnectionLost(nil) }
    }

    /// After `connectionLost` (asyncio's `_call_connection_lost`): wakes `wait()`ers, lets go.
    override func didLoseConnection() {
        process = nil
        let waiters = exitWaiters
        exitWaiters = []
        for waiter in waiters { waiter.resume(returning: returnCode!) }
    }

    override var description: String {
        var text = "<ProcessTransport"
        if state != .open { text += " closed" }
        text += " pid=\(pid)"
        if let returnCode { text += " returncode=\(returnCode)" } else { text += " running" }
        for fd in pipes.keys.sorted() {
            text += [" stdin", " stdout", " stderr"][Int(fd)] + "=\(pipes[fd]!.transport)"
        }
        return text + ">"
    }
}
