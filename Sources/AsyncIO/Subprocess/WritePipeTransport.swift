import Glibc

/// The write end of a pipe to a child (its stdin): asyncio's `_UnixWritePipeTransport`.
///
/// Writes go out at once when nothing is queued (`uv_try_write`); the rest waits in
/// libuv's write queue, whose size drives `pauseWriting`/`resumeWriting`. The transport
/// also reads its end, as asyncio does, to notice the child closing the pipe:
/// `connectionLost` then carries a broken-pipe `OSError` if data was still queued.
final class WritePipeTransport: WriteTransport, UVStreamReader, @unchecked Sendable, CustomStringConvertible {
    /// asyncio's `constants.LOG_THRESHOLD_FOR_CONNLOST_WRITES`.
    private static let connectionLostWriteLogThreshold = 5

    let loop: EventLoop
    let pipe: UVProcessPipe
    let descriptor: Int32
    private var protocolObject: any BaseProtocol
    private var isClosingFlag = false
    /// asyncio's `_conn_lost > 0`: a write failed or the transport was aborted.
    private var isLost = false
    /// Writes dropped after closing began (asyncio counts them in `_conn_lost`).
    private var droppedWriteCount = 0
    private var isConnectionLostCalled = false
    private var flow = WriteFlowControl()

    /// Wraps the open `pipe`; with `watchForClose`, reads its end to notice the child
    /// closing the pipe (the pipe must then be readable, as a socket pair is).
    init(loop: EventLoop, pipe: UVProcessPipe, protocol: any BaseProtocol, watchForClose: Bool) {
        loop.assertOnLoopThread()
        self.loop = loop
        self.pipe = pipe
        descriptor = pipe.descriptor
        protocolObject = `protocol`
        loop.transportDescriptors.insert(descriptor)
        if watchForClose {
            loop.scheduleSoon { [self] in
                guard !isLost else { return }
                pipe.startReading(self)
            }
        }
    }

    // MARK: BaseTransport

    /// asyncio's extra `"pipe"`: here the descriptor of our end (an `Int32`).
    func getExtraInfo(_ name: String) -> Any? {
        name == "pipe" ? descriptor : nil
    }

    var peerName: SocketAddress? { nil }
    var sockName: SocketAddress? { nil }
    var socket: Socket? { nil }
    var isClosing: Bool { isClosingFlag }

    func setProtocol(_ protocol: any BaseProtocol) {
        loop.assertOnLoopThread()
        protocolObject = `protocol`
    }

    func getProtocol() -> any BaseProtocol { protocolObject }

    /// asyncio's `close()`: `writeEOF()`, so queued data is still sent.
    func close() {
        loop.assertOnLoopThread()
        writeEOF()
    }

    // MARK: WriteTransport

    var writeBufferSize: Int { pipe.writeQueueSize }
    var writeBufferLimits: (low: Int, high: Int) { (flow.limits.low, flow.limits.high) }
    var canWriteEOF: Bool { true }

    func setWriteBufferLimits(high: Int?, low: Int?) throws {
        loop.assertOnLoopThread()
        flow.limits = try WriteBufferLimits(high: high, low: low)
        maybePauseProtocol()
    }

    func write(_ data: [UInt8]) {
        data.withUnsafeBytes { write($0) }
    }

    /// asyncio's `write`: dropped (with a warning after a few) once closing or lost.
    func write(_ data: UnsafeRawBufferPointer) {
        loop.assertOnLoopThread()
        guard data.count > 0, acceptsWrites() else { return }
        var rest = data
        if pipe.writeQueueSize == 0 {
            let sent = pipe.tryWrite(data)
            if sent < 0 {
                isLost = true
                fatalError(Self.osError(status: Int32(sent)), "Fatal write error on pipe transport")
                return
            }
            if sent == data.count { return }
            rest = UnsafeRawBufferPointer(rebasing: data[sent...])
        }
        queue([rest])
    }

    func writeLines(_ lines: [[UInt8]]) {
        for line in lines { write(line) }
    }

    /// asyncio's `write_eof`: the pipe closes (and the child sees end of file) once the
    /// queue is flushed.
    func writeEOF() {
        loop.assertOnLoopThread()
        guard !isClosingFlag else { return }
        isClosingFlag = true
        if pipe.writeQueueSize == 0 {
            loop.scheduleSoon { [self] in callConnectionLost(nil) }
        }
    }

    /// asyncio's `abort()`: drops queued data and closes.
    func abort() {
        loop.assertOnLoopThread()
        closeSoon(nil)
    }

    private func acceptsWrites() -> Bool {
        guard isLost || isClosingFlag else { return true }
        droppedWriteCount += 1
        if droppedWriteCount >= Self.connectionLostWriteLogThreshold {
            loop.logger.warning("pipe closed by peer or os.write(pipe, data) raised exception.")
        }
        return false
    }

    private func queue(_ pieces: [UnsafeRawBufferPointer]) {
        let status = pipe.write(copying: pieces) { [self] status in writeCompleted(status) }
        if status < 0 {
            isLost = true
            fatalError(Self.osError(status: status), "Fatal write error on pipe transport")
            return
        }
        maybePauseProtocol()
    }

    /// asyncio's `_write_ready` after the buffer drained (or failed).
    private func writeCompleted(_ status: Int32) {
        guard !isLost, !isConnectionLostCalled else { return }
        if status < 0 {
            if status != -ECANCELED {
                isLost = true
                fatalError(Self.osError(status: status), "Fatal write error on pipe transport")
            }
            return
        }
        guard pipe.writeQueueSize == 0 else {
            maybeResumeProtocol()
            return
        }
        maybeResumeProtocol()
        if isClosingFlag { callConnectionLost(nil) }
    }

    private func maybePauseProtocol() {
        if flow.shouldPause(bufferSize: writeBufferSize) { protocolObject.pauseWriting() }
    }

    private func maybeResumeProtocol() {
        if flow.shouldResume(bufferSize: writeBufferSize) { protocolObject.resumeWriting() }
    }

    // MARK: UVStreamReader (the child closing its end)

    func streamAllocate(suggestedSize: Int) -> UnsafeMutableRawBufferPointer { loop.receiveScratch }

    /// A child writing into its own stdin is not something asyncio reads; ignore it.
    func streamDidRead(_ count: Int) {}

    /// asyncio's `_read_ready` on a write pipe: the reader went away.
    func streamDidReachEOF() { peerClosed() }

    func streamDidFail(status: Int32) { peerClosed() }

    private func peerClosed() {
        guard !isConnectionLostCalled else { return }
        if loop.debug { loop.logger.debug("\(self) was closed by peer") }
        if pipe.writeQueueSize > 0 {
            closeSoon(OSError(errno: EPIPE, message: OSError.strerror(EPIPE)))
        } else {
            closeSoon(nil)
        }
    }

    // MARK: Closing

    /// asyncio's `_fatal_error`: OS errors (a broken pipe) are only logged in debug mode.
    private func fatalError(_ error: OSError, _ message: String) {
        if loop.debug { loop.logger.debug("\(self): \(message): \(error)") }
        closeSoon(error)
    }

    /// asyncio's `_close`: drops the queue now, `connectionLost` on a later callback.
    private func closeSoon(_ error: (any Error)?) {
        isClosingFlag = true
        isLost = true
        closeHandle()
        loop.scheduleSoon { [self] in callConnectionLost(error) }
    }

    private func closeHandle() {
        guard !pipe.isCloseRequested else { return }
        loop.transportDescriptors.remove(descriptor)
        pipe.close()
    }

    /// asyncio's `_call_connection_lost`: tells the protocol, then closes the pipe.
    private func callConnectionLost(_ error: (any Error)?) {
        guard !isConnectionLostCalled else { return }
        isConnectionLostCalled = true
        protocolObject.connectionLost(error)
        closeHandle()
        protocolObject = DisconnectedProtocol()
    }

    static func osError(status: Int32) -> OSError {
        OSError(errno: -status, message: OSError.strerror(-status))
    }

    var description: String {
        "<WritePipeTransport fd=\(descriptor)\(isConnectionLostCalled ? " closed" : isClosingFlag ? " closing" : "") bufsize=\(writeBufferSize)>"
    }
}
