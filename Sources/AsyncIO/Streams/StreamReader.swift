/// Reads bytes from a stream connection: asyncio's `StreamReader`.
///
/// A `StreamReaderProtocol` feeds it from a transport (the transport reads from the socket
/// straight into the reader's buffer); tests and other sources feed it with `feedData` and
/// `feedEOF`. Reads take bytes out of the buffer with one copy and return at once when
/// the buffer already holds what they need; otherwise they suspend until data, end of
/// file or an error arrives.
///
/// Only one read may wait at a time: a second read that would have to wait throws
/// `StreamError.concurrentRead` (asyncio's `RuntimeError`). Cancelling a waiting read
/// throws `CancellationError` and leaves every byte in the buffer and the reader usable,
/// also when data had already woken the read but its task had not resumed yet (asyncio's
/// `_must_cancel`), and also for `read(-1)`, whose collected bytes go back to the buffer.
///
/// Back-pressure: with a transport set (`setTransport`), reading from it is paused when
/// more than 2 × `limit` bytes are buffered and resumed when reads bring the buffer down
/// to `limit` (or when a read has to wait for data).
///
/// Loop-bound: use it on its loop's thread only.
public final class StreamReader {
    /// The default line and buffer limit, 64 KiB (asyncio's `_DEFAULT_LIMIT`).
    public static let defaultLimit = 65536

    /// The loop the reader belongs to.
    public let loop: EventLoop

    /// The longest line or chunk `readLine`/`readUntil` accept, not counting the
    /// separator; also half the buffer size above which the transport is paused
    /// (asyncio's `_limit`).
    public let limit: Int

    var buffer = ByteBuffer()
    private(set) var eof = false
    private var storedException: (any Error)?
    private(set) var transport: (any ReadTransport)?
    /// Whether this reader paused its transport's reading (asyncio's `_paused`).
    private(set) var paused = false

    private var waitState = WaitState.idle
    private var waitCounter: UInt64 = 0

    /// The one read that may be waiting for data (asyncio's `_waiter`).
    private enum WaitState {
        case idle
        /// A read registered to wait but has not suspended yet.
        case registered(id: UInt64)
        /// A read is suspended.
        case waiting(id: UInt64, continuation: UnsafeContinuation<Void, any Error>)
        /// The wait ended (data, EOF, error, cancellation) before the read suspended.
        case ended(id: UInt64, error: (any Error)?)
    }

    /// A reader whose lines and chunks may be at most `limit` bytes: asyncio's
    /// `StreamReader(limit=2**16, loop)`.
    ///
    /// Throws `StreamError.invalidLimit` when `limit` ≤ 0, as asyncio raises `ValueError`.
    public init(limit: Int = StreamReader.defaultLimit, loop: EventLoop) throws(StreamError) {
        guard limit > 0 else { throw .invalidLimit }
        self.limit = limit
        self.loop = loop
    }

    // MARK: State

    /// Whether the end of the stream was reached and every byte was read (asyncio's
    /// `at_eof()`).
    public var atEOF: Bool {
        loop.assertOnLoopThread()
        return eof && buffer.isEmpty
    }

    /// The error set with `setException`, nil if none (asyncio's `exception()`). Reads
    /// throw it once it is set.
    public var exception: (any Error)? {
        storedException
    }

    /// Makes every read throw `error` from now on, and wakes a waiting read with it
    /// (asyncio's `set_exception`). `StreamReaderProtocol` calls this when the connection
    /// is lost with an error.
    public func setException(_ error: any Error) {
        loop.assertOnLoopThread()
        storedException = error
        endWait(error: error)
    }

    /// Lets the reader pause and resume `transport`'s reading for back-pressure (asyncio's
    /// `set_transport`). Called once, by `StreamReaderProtocol.connectionMade`.
    public func setTransport(_ transport: any ReadTransport) {
        loop.assertOnLoopThread()
        precondition(self.transport == nil, "Transport already set")
        self.transport = transport
    }

    /// Uses `transport` for flow control from now on (`StreamWriter.startTLS`).
    func replaceTransport(_ transport: any ReadTransport) {
        self.transport = transport
        if paused { transport.pauseReading() }
    }

    /// Forgets the transport once the connection is lost, so the reader does not keep the
    /// transport (and, through it, its protocol) alive.
    func detachTransport() {
        transport = nil
        paused = false
    }

    // MARK: Feeding

    /// Appends `data` to the buffer and wakes a waiting read (asyncio's `feed_data`).
    /// Feeding after `feedEOF` is a programmer error.
    public func feedData(_ data: [UInt8]) {
        data.withUnsafeBytes { feedData($0) }
    }

    /// Appends a copy of `data` to the buffer and wakes a waiting read (asyncio's `feed_data`).
    public func feedData(_ data: UnsafeRawBufferPointer) {
        loop.assertOnLoopThread()
        precondition(!eof, "feedData after feedEOF")
        guard data.count > 0 else { return }
        buffer.append(data)
        didReceive()
    }

    /// Marks the end of the stream and wakes a waiting read (asyncio's `feed_eof`).
    public func feedEOF() {
        loop.assertOnLoopThread()
        eof = true
        endWait(error: nil)
    }

    /// Where a transport may read into next: the tail of the reader's buffer, at least
    /// `sizeHint` bytes when nothing is buffered (64 KiB when there is no hint), at least
    /// 16 KiB otherwise, so leftover bytes rarely force the buffer to grow.
    func receiveBuffer(sizeHint: Int) -> UnsafeMutableRawBufferPointer {
        let wanted = sizeHint > 0 ? sizeHint : StreamReader.defaultLimit
        return buffer.reserveTail(minimum: buffer.isEmpty ? wanted : Swift.min(wanted, 16384))
    }

    /// `count` bytes were written at the start of `receiveBuffer`'s tail.
    @inline(__always)
    func commitReceived(_ count: Int) {
        assert(!eof, "data received after EOF")
        guard count > 0 else { return }
        buffer.commitTail(count)
        didReceive()
    }

    @inline(__always)
    private func didReceive() {
        endWait(error: nil)
        if !paused, buffer.count > 2 &* limit, let transport {
            paused = true
            transport.pauseReading()
        }
    }

    /// Resumes the transport once reads brought the buffer down to the limit (asyncio's
    /// `_maybe_resume_transport`).
    @inline(__always)
    func maybeResumeTransport() {
        if paused, buffer.count <= limit {
            paused = false
            transport?.resumeReading()
        }
    }

    // MARK: Waiting

    /// Suspends until data, EOF or an error arrives (asyncio's `_wait_for_data`); resumes
    /// a transport this reader paused, since nothing else would wake the read.
    ///
    /// Throws `CancellationError` when the task is cancelled while it waits, including
    /// after the data that ended the wait arrived but before the task resumed: the caller
    /// then leaves the buffer alone, so those bytes wait for the next read.
    ///
    /// In its caller's isolation, named so the cancellation handler's body stays in it
    /// (see `EventLoop.suspend`).
    func waitForData(_ operation: String, isolation: isolated (any Actor)? = #isolation) async throws {
        guard case .idle = waitState else { throw StreamError.concurrentRead(operation: operation) }
        assert(!eof, "waitForData after EOF")
        if paused {
            paused = false
            transport?.resumeReading()
        }
        waitCounter &+= 1
        let id = waitCounter
        waitState = .registered(id: id)
        // The cancellation handler may run on any thread; it touches the reader only on
        // the loop's (at once there, else through callSoonThreadsafe).
        nonisolated(unsafe) let reader = self
        try await _unsafeInheritExecutor_withTaskCancellationHandler {
            _ = isolation
            try await withUnsafeThrowingContinuation { (continuation: UnsafeContinuation<Void, any Error>) in
                // The waiter rule: whatever ended the wait before this point wins.
                switch waitState {
                case .registered(let current) where current == id:
                    waitState = .waiting(id: id, continuation: continuation)
                case .ended(let current, let error) where current == id:
                    waitState = .idle
                    if let error { continuation.resume(throwing: error) } else { continuation.resume() }
                default:
                    preconditionFailure("StreamReader wait state corrupted")
                }
            }
        } onCancel: { [loop] in
            if loop.isOnLoopThread {
                reader.cancelWait(id)
            } else {
                loop.callSoonThreadsafe { reader.cancelWait(id) }
            }
        }
        // The wait ended first and the cancellation came before the task ran again: the
        // cancellation handler found nothing to cancel. asyncio's `_must_cancel` makes
        // that await raise; so does this, or the cancelled task would take the bytes.
        if Task.isCancelled { throw CancellationError() }
    }

    /// Wakes the waiting read, with `error` if given (asyncio's `_wakeup_waiter`).
    @inline(__always)
    private func endWait(error: (any Error)?) {
        switch waitState {
        case .idle, .ended:
            return
        case .registered(let id):
            waitState = .ended(id: id, error: error)
        case .waiting(_, let continuation):
            waitState = .idle
            if let error { continuation.resume(throwing: error) } else { continuation.resume() }
        }
    }

    private func cancelWait(_ id: UInt64) {
        switch waitState {
        case .registered(let current) where current == id:
            waitState = .ended(id: id, error: CancellationError())
        case .waiting(let current, let continuation) where current == id:
            waitState = .idle
            continuation.resume(throwing: CancellationError())
        default:
            return  // that wait already ended
        }
    }

    /// Whether a read is waiting for data.
    var hasWaiter: Bool {
        if case .idle = waitState { return false }
        return true
    }

    // MARK: Reading

    /// Reads up to `n` bytes (asyncio's `read(n=-1)`).
    ///
    /// - `n` > 0: waits until at least one byte is buffered (or EOF), then returns up to
    ///   `n` bytes; does not suspend when bytes are already buffered. Empty at EOF.
    /// - `n` = 0: returns an empty array at once.
    /// - `n` < 0: reads until EOF and returns everything.
    ///
    /// Throws the reader's `exception` if one is set.
    nonisolated(nonsending) public func read(_ n: Int = -1) async throws -> [UInt8] {
        loop.assertOnLoopThread()
        if let storedException { throw storedException }
        if n == 0 { return [] }
        if n < 0 { return try await readToEOF() }
        if buffer.isEmpty && !eof {
            try await waitForData("read")
        }
        let data = buffer.take(Swift.min(n, buffer.count))
        maybeResumeTransport()
        return data
    }

    nonisolated(nonsending) private func readToEOF() async throws -> [UInt8] {
        var result: [UInt8] = []
        do {
            while true {
                // asyncio reads `limit`-sized blocks, re-checking the exception before each.
                if let storedException { throw storedException }
                if buffer.isEmpty {
                    if eof { break }
                    try await waitForData("read")
                    continue
                }
                if result.isEmpty {
                    result = buffer.takeAll()
                } else {
                    result.append(contentsOf: buffer.readableBytes)
                    buffer.clear()
                }
                maybeResumeTransport()
            }
        } catch {
            // What this read collected belongs to the next read (asyncio drops it).
            buffer.prepend(result)
            throw error
        }
        return result
    }

    /// Reads exactly `n` bytes (asyncio's `readexactly(n)`).
    ///
    /// Throws `IncompleteReadError` (with the bytes read so far, which leave the buffer)
    /// when the stream ends first, `StreamError.negativeReadSize` when `n` < 0, and the
    /// reader's `exception` if one is set. `n` may exceed `limit`.
    nonisolated(nonsending) public func readExactly(_ n: Int) async throws -> [UInt8] {
        loop.assertOnLoopThread()
        guard n >= 0 else { throw StreamError.negativeReadSize }
        if let storedException { throw storedException }
        if n == 0 { return [] }
        while buffer.count < n {
            if eof {
                throw IncompleteReadError(partial: buffer.takeAll(), expected: n)
            }
            try await waitForData("readexactly")
        }
        let data = buffer.take(n)
        maybeResumeTransport()
        return data
    }
}

extension StreamReader: CustomStringConvertible {
    /// asyncio's `repr`: `<StreamReader 5 bytes eof limit=3 waiter exception=… transport paused>`.
    public var description: String {
        var info = ["StreamReader"]
        if !buffer.isEmpty { info.append("\(buffer.count) bytes") }
        if eof { info.append("eof") }
        if limit != StreamReader.defaultLimit { info.append("limit=\(limit)") }
        if hasWaiter { info.append("waiter") }
        if let storedException { info.append("exception=\(storedException)") }
        if let transport { info.append("transport=\(transport)") }
        if paused { info.append("paused") }
        return "<\(info.joined(separator: " "))>"
    }
}
