import Glibc

/// asyncio's `loop.sock_*` methods, on `uv_poll_t`.
///
/// Every operation follows asyncio 3.13's selector loop: try the system call first (the
/// fast path; no registration, no suspension when the socket is ready), and only when it
/// would block, register a reader or writer for the socket and suspend until the call
/// succeeds or fails. The registration is removed whichever way the operation ends
/// (done, error, or cancellation of the waiting task), so the next call on the socket
/// starts clean. The descriptor's poll handle itself stays until its `Socket` closes or
/// detaches (which stops it first), and a finished read keeps its direction in the
/// handle's mask until an event finds no reader: a task that waits again at once (an echo
/// loop) costs no handle allocation and no `epoll_ctl` (`DescriptorWatcher` has the rule).
///
/// Fairness (not in asyncio): a task whose sockets are always ready would never give the
/// loop back, since the fast path does not suspend; after `sockCallsBeforeYield` calls in
/// a row that did not wait, the next one first yields once to the loop (see
/// `enterSockOperation`).
///
/// Rules: the socket must be non-blocking (`Socket` is by default; in `debug` mode a
/// blocking one throws `SocketUsageError.blockingSocket`); a descriptor owned by a
/// transport or server throws `SocketUsageError.usedByTransport`; one operation per
/// direction at a time (a second concurrent `sockRecv` on the same socket replaces the
/// first, which then fails with `SocketUsageError.replacedByAnotherOperation` instead of
/// waiting forever as in asyncio). Closing a socket while an operation waits on it fails
/// that operation with `EBADF`.
extension EventLoop {
    // MARK: Receiving

    /// Receives up to `n` bytes; an empty array means the peer closed its end:
    /// asyncio's `loop.sock_recv(sock, n)`.
    ///
    /// `n == 0` returns an empty array at once, with no system call, as Python's
    /// `socket.recv(0)` does (a `recv` of 0 bytes would block until data arrives).
    public func sockRecv(_ sock: Socket, _ n: Int) async throws -> [UInt8] {
        if try enterSockOperation(sock) { try await yieldToLoop() }
        precondition(n >= 0, "sockRecv: negative size")
        if n == 0 { return [] }
        if case .done(let bytes) = try receiveBytes(sock, n) { return bytes }
        return try await waitFor(sock, reading: true) { () throws -> Socket.Attempt<[UInt8]> in
            try self.receiveBytes(sock, n)
        }
    }

    /// Receives into `buffer`; returns the byte count, 0 at end of file: asyncio's
    /// `loop.sock_recv_into(sock, buf)`. `buffer` must stay valid until this returns.
    ///
    /// An empty buffer returns 0 at once, with no system call (Python's `recv_into`).
    public func sockRecvInto(_ sock: Socket, _ buffer: UnsafeMutableRawBufferPointer) async throws -> Int {
        if try enterSockOperation(sock) { try await yieldToLoop() }
        if buffer.isEmpty { return 0 }
        if case .done(let count) = try sock.tryRecv(into: buffer) { return count }
        return try await waitFor(sock, reading: true) { try sock.tryRecv(into: buffer) }
    }

    /// Receives one datagram of at most `n` bytes and its sender: asyncio's
    /// `loop.sock_recvfrom(sock, bufsize)`.
    public func sockRecvFrom(_ sock: Socket, _ n: Int) async throws -> ([UInt8], SocketAddress?) {
        if try enterSockOperation(sock) { try await yieldToLoop() }
        precondition(n >= 0, "sockRecvFrom: negative size")
        if case .done(let result) = try receiveDatagram(sock, n) { return result }
        return try await waitFor(sock, reading: true) { try self.receiveDatagram(sock, n) }
    }

    /// Receives one datagram into `buffer`: the byte count and the sender. asyncio's
    /// `loop.sock_recvfrom_into(sock, buf)`. `buffer` must stay valid until this returns.
    public func sockRecvFromInto(
        _ sock: Socket, _ buffer: UnsafeMutableRawBufferPointer
    ) async throws -> (Int, SocketAddress?) {
        if try enterSockOperation(sock) { try await yieldToLoop() }
        if case .done(let result) = try sock.tryRecvFrom(into: buffer) { return result }
        return try await waitFor(sock, reading: true) { try sock.tryRecvFrom(into: buffer) }
    }

    /// One `recv` into the loop's receive buffer (`receiveScratch`), copied out at its exact size (or
    /// straight into a new array when `n` is larger than the scratch buffer).
    @inline(__always)
    private nonisolated func receiveBytes(_ sock: Socket, _ n: Int) throws(OSError) -> Socket.Attempt<[UInt8]> {
        let scratch = receiveScratch
        if n <= scratch.count {
            switch try sock.tryRecv(into: UnsafeMutableRawBufferPointer(rebasing: scratch[..<n])) {
            case .done(let count): return .done([UInt8](UnsafeRawBufferPointer(rebasing: scratch[..<count])))
            case .wouldBlock: return .wouldBlock
            }
        }
        var failure: OSError?
        var blocked = false
        let bytes = [UInt8](unsafeUninitializedCapacity: n) { buffer, initialized in
            initialized = 0
            do throws(OSError) {
                switch try sock.tryRecv(into: UnsafeMutableRawBufferPointer(buffer)) {
                case .done(let count): initialized = count
                case .wouldBlock: blocked = true
                }
            } catch {
                failure = error
            }
        }
        if let failure { throw failure }
        return blocked ? .wouldBlock : .done(bytes)
    }

    private nonisolated func receiveDatagram(_ sock: Socket, _ n: Int) throws(OSError) -> Socket.Attempt<([UInt8], SocketAddress?)> {
        let scratch = receiveScratch
        if n <= scratch.count {
            switch try sock.tryRecvFrom(into: UnsafeMutableRawBufferPointer(rebasing: scratch[..<n])) {
            case .done(let (count, sender)):
                return .done(([UInt8](UnsafeRawBufferPointer(rebasing: scratch[..<count])), sender))
            case .wouldBlock: return .wouldBlock
            }
        }
        var failure: OSError?
        var outcome: Socket.Attempt<SocketAddress?> = .wouldBlock
        let bytes = [UInt8](unsafeUninitializedCapacity: n) { buffer, initialized in
            initialized = 0
            do throws(OSError) {
                if case .done(let (count, sender)) = try sock.tryRecvFrom(into: UnsafeMutableRawBufferPointer(buffer)) {
                    initialized = count
                    outcome = .done(sender)
                }
            } catch {
                failure = error
            }
        }
        if let failure { throw failure }
        guard case .done(let sender) = outcome else { return .wouldBlock }
        return .done((bytes, sender))
    }

    // MARK: Sending

    /// Sends all of `data`, waiting for the socket to take it: asyncio's
    /// `loop.sock_sendall(sock, data)`. On error there is no telling how much the peer got.
    public func sockSendAll(_ sock: Socket, _ data: [UInt8]) async throws {
        if try enterSockOperation(sock) { try await yieldToLoop() }
        let first = try data.withUnsafeBytes { bytes in try sock.trySend(bytes) }
        var sent = 0
        if case .done(let count) = first { sent = count }
        if sent == data.count { return }
        try await sendRemainder(sock, total: data.count, from: sent) { offset in
            try data.withUnsafeBytes { bytes in
                try sock.trySend(UnsafeRawBufferPointer(rebasing: bytes[offset...]))
            }
        }
    }

    /// `sockSendAll` for bytes the caller owns; `bytes` must stay valid until this returns.
    public func sockSendAll(_ sock: Socket, _ bytes: UnsafeRawBufferPointer) async throws {
        if try enterSockOperation(sock) { try await yieldToLoop() }
        var sent = 0
        if case .done(let count) = try sock.trySend(bytes) { sent = count }
        if sent == bytes.count { return }
        try await sendRemainder(sock, total: bytes.count, from: sent) { offset in
            try sock.trySend(UnsafeRawBufferPointer(rebasing: bytes[offset...]))
        }
    }

    /// Waits for writability and sends from where the previous send stopped, until done.
    private func sendRemainder(
        _ sock: Socket, total: Int, from start: Int,
        _ send: @escaping (Int) throws -> Socket.Attempt<Int>
    ) async throws {
        var offset = start
        try await waitFor(sock, reading: false) { () throws -> Socket.Attempt<Void> in
            // Keep sending while the socket takes bytes: fewer wake-ups than one send per
            // readiness event, as the kernel buffer often frees more than one send's worth.
            while offset < total {
                guard case .done(let count) = try send(offset) else { return .wouldBlock }
                offset += count
            }
            return .done(())
        }
    }

    /// Sends one datagram to `address`; returns the bytes sent: asyncio's
    /// `loop.sock_sendto(sock, data, address)`.
    @discardableResult
    public func sockSendTo(_ sock: Socket, _ data: [UInt8], to address: SocketAddress) async throws -> Int {
        if try enterSockOperation(sock) { try await yieldToLoop() }
        let attempt = { () throws -> Socket.Attempt<Int> in
            try data.withUnsafeBytes { bytes in try sock.trySendTo(bytes, to: address) }
        }
        if case .done(let count) = try attempt() { return count }
        return try await waitFor(sock, reading: false) { try attempt() }
    }

    // MARK: Connecting and accepting

    /// Connects to `address`, waiting for the connection to complete: asyncio's
    /// `loop.sock_connect(sock, address)`. A refused connection throws `OSError` with
    /// `ECONNREFUSED` and asyncio's message, `Connect call failed ('127.0.0.1', 1)`.
    public func sockConnect(_ sock: Socket, to address: SocketAddress) async throws {
        if try enterSockOperation(sock) { try await yieldToLoop() }
        if try sock.tryConnect(address) { return }
        try await waitFor(sock, reading: false) { () throws -> Socket.Attempt<Void> in
            let error = sock.pendingError
            if error == 0 { return .done(()) }
            if error == EINPROGRESS || error == EALREADY { return .wouldBlock }
            throw OSError(errno: error, message: "Connect call failed \(address)")
        }
    }

    /// Resolves `host` (off the loop, on the thread pool; a literal IP skips the
    /// resolver) for the socket's family and type, then connects to the first address:
    /// asyncio's `sock_connect(sock, (host, port))` with its `_ensure_resolved`.
    /// An unknown host throws `AddressResolutionError`.
    public func sockConnect(_ sock: Socket, host: String, port: Int) async throws {
        try checkSocket(sock)
        let answers = try await getAddrInfo(host: host, port: port, family: sock.family,
                                            type: sock.type, proto: sock.proto)
        guard let first = answers.first else {
            throw AddressResolutionError(code: EAI_NONAME, host: host)
        }
        try await sockConnect(sock, to: first.address)
    }

    /// Accepts a connection: a new non-blocking socket and the peer's address. asyncio's
    /// `loop.sock_accept(sock)`.
    public func sockAccept(_ sock: Socket) async throws -> (Socket, SocketAddress) {
        if try enterSockOperation(sock) { try await yieldToLoop() }
        if case .done(let accepted) = try sock.tryAccept() { return accepted }
        return try await waitFor(sock, reading: true) { try sock.tryAccept() }
    }

    // MARK: Shared machinery

    /// How many `sock*` calls in a row may finish without waiting before the next one
    /// yields to the loop first (the fairness rule). A yield costs one loop iteration
    /// (about 9,000 instructions): with 256, even 1-byte calls that never wait pay 4% for
    /// it, and other tasks wait for at most 256 calls, a few hundred microseconds.
    /// BENCHMARKS.md has the measurements.
    static let sockCallsBeforeYield = 256

    /// The start of every `sock*` operation: asyncio's entry checks, then the fairness
    /// rule. Returns whether the caller must yield to the loop (`yieldToLoop()`, asyncio's
    /// `await sleep(0)`) before its system call, so that tasks created or woken meanwhile
    /// run first.
    ///
    /// The loop counts the `sock*` calls since one last had to wait (`waitFor` resets the
    /// count); the call that takes the count past `sockCallsBeforeYield` yields and starts
    /// it again. The count is the loop's, not the task's: while a task runs without
    /// suspending nothing else can reset it, so the bound holds for that task; calls of
    /// other tasks in the same drain only make a yield come sooner. Yielding before the
    /// system call, not after it, means that a cancellation arriving during the yield
    /// loses nothing: no byte read, no connection accepted. Synchronous on purpose: an
    /// async call here would cost every `sock*` call a task-executor check (about 400
    /// instructions), which is more than the whole rule.
    @inline(__always)
    nonisolated func enterSockOperation(_ sock: Socket) throws -> Bool {
        try checkSocket(sock)
        sockCallsWithoutWaiting &+= 1
        guard sockCallsWithoutWaiting > Self.sockCallsBeforeYield else { return false }
        sockCallsWithoutWaiting = 0
        return true
    }

    /// The checks asyncio makes at every `sock_*` entry.
    @inline(__always)
    nonisolated func checkSocket(_ sock: Socket) throws {
        assertOnLoopThread()
        precondition(!isClosed, "Event loop is closed")
        if debug, !sock.isClosed, sock.isBlocking { throw SocketUsageError.blockingSocket(fd: sock.fileno) }
        try ensureNoTransport(sock.fileno)
    }

    /// Registers `attempt` as the socket's reader (or writer) and suspends until it
    /// finishes. It runs from the poll callback on the loop thread each time the socket
    /// is ready; `.wouldBlock` keeps waiting. Cancellation removes exactly this
    /// registration (asyncio's `_sock_read_done`/`_sock_write_done`).
    func waitFor<T: Sendable>(
        _ sock: Socket, reading: Bool,
        _ attempt: @escaping () throws -> Socket.Attempt<T>
    ) async throws -> T {
        let registry = pollRegistry
        // This call waits: the fairness count starts again (see `enterSockOperation`).
        sockCallsWithoutWaiting = 0
        return try await suspend { (waiter: LoopWaiter<T>) in
            let watcher = try registry.watcher(for: sock)
            let callback: DescriptorWatcher.Callback = { readiness in
                switch readiness {
                case .abandoned(let error):
                    waiter.resume(throwing: error)
                    return true
                case .ready:
                    do {
                        guard case .done(let value) = try attempt() else { return false }
                        waiter.resume(returning: value)
                    } catch {
                        waiter.resume(throwing: error)
                    }
                    return true
                }
            }
            if reading {
                let token = try watcher.setReader(callback)
                waiter.onCancel = { watcher.removeReader(token: token, closeNow: false) }
            } else {
                let token = try watcher.setWriter(callback)
                waiter.onCancel = { watcher.removeWriter(token: token, closeNow: false) }
            }
        }
    }
}
