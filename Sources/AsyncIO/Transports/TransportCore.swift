/// What every transport shares, written once (uvloop's `UVBaseTransport`): the close state,
/// the protocol slot, `connectionLost` delivered exactly once, write-buffer flow control,
/// the count of writes dropped after the loss, and the one fatal-error path.
///
/// Each transport kind subclasses it with its slot type (`BaseStreamTransport` for libuv
/// streams, `DatagramSocketTransport`, `ProcessTransport`) and overrides the hooks:
/// `closeResources()`, `bufferedByteCount`, `isExpectedLoss(_:)`, `didLoseConnection()`.
///
/// The life of a transport, as asyncio's:
/// - `close()` of a transport that buffers writes: `beginClosing()` (open → closing); once
///   the buffer is empty, `forceClose(nil)` or, from the write that emptied it,
///   `finishClosing()`;
/// - `abort()`, a fatal error, a peer gone: `forceClose(error)` (→ closed: resources closed
///   now, `connectionLost(error)` on a later callback);
/// - `deliverConnectionLost(_:)` (→ lost): the protocol hears of it once and is let go of.
///
/// Loop-bound: its loop's thread only.
class TransportCore<Slot: ProtocolSlot>: CustomStringConvertible {
    let loop: EventLoop
    /// The protocol events go to; `DisconnectedProtocol` & co. once lost.
    final var slot: Slot
    final private(set) var state = CloseState.open
    /// The write buffer's marks and whether the protocol was told to pause.
    final var flow = BufferFlowControl()
    final var lostWrites = LostWriteCounter()

    init(loop: EventLoop, slot: Slot) {
        self.loop = loop
        self.slot = slot
    }

    // MARK: What each transport kind overrides

    /// Stops I/O and closes the OS resources (the libuv handle); called once, when the
    /// transport becomes `.closed`.
    func closeResources() {}

    /// Bytes waiting to be sent, for flow control.
    var bufferedByteCount: Int { 0 }

    /// Whether `error` is how connections of this kind end when a peer goes away, which
    /// asyncio logs only in debug mode (`_fatal_error`'s first branch); anything else
    /// reaches the loop's exception handler.
    func isExpectedLoss(_ error: any Error) -> Bool { error is OSError }

    /// Called after the protocol heard `connectionLost`: let go of what the transport holds.
    func didLoseConnection() {}

    var description: String { "<\(type(of: self))>" }

    // MARK: BaseTransport

    /// asyncio's `is_closing()`.
    final var isClosing: Bool { state != .open }

    /// asyncio's `get_protocol()`.
    final func getProtocol() -> any BaseProtocol { slot.protocolObject }

    /// asyncio's `set_protocol()`; a protocol of another kind is a programmer error.
    final func setProtocol(_ protocol: any BaseProtocol) {
        loop.assertOnLoopThread()
        guard let slot = Slot(`protocol`) else {
            preconditionFailure("\(type(of: self)) needs \(Slot.accepted), got \(type(of: `protocol`))")
        }
        self.slot = slot
    }

    // MARK: Closing

    /// `close()`'s first step for a transport that flushes first: open → closing. False if
    /// it was not open (asyncio's `if self._closing: return`).
    final func beginClosing() -> Bool {
        guard state == .open else { return false }
        state = .closing
        return true
    }

    /// asyncio's `_force_close(exc)`: drops what is buffered, closes the resources now and
    /// delivers `connectionLost(error)` on a later callback. Once only.
    final func forceClose(_ error: (any Error)?) {
        guard state.isConnected else { return }
        enterClosed()
        loop.scheduleSoon { [self] in deliverConnectionLost(error) }
    }

    /// The flush `close()` waited for is done (asyncio's `_write_ready` when `_closing`):
    /// closes and delivers `connectionLost(nil)` now.
    final func finishClosing() {
        guard state == .closing else { return }
        enterClosed()
        deliverConnectionLost(nil)
    }

    private final func enterClosed() {
        state = .closed
        lostWrites.connectionLost()
        closeResources()
    }

    /// asyncio's `_call_connection_lost`: the protocol hears of it once; then the
    /// transport lets go of it, which breaks the transport ↔ protocol cycle.
    final func deliverConnectionLost(_ error: (any Error)?) {
        guard state != .lost else { return }
        state = .lost
        slot.protocolObject.connectionLost(error)
        slot = .disconnected
        didLoseConnection()
    }

    /// asyncio's `_fatal_error`: an expected loss (`isExpectedLoss`) reaches the debug log
    /// only, anything else the exception handler; then the transport closes at once.
    final func abortOnFatalError(_ error: any Error, _ message: String) {
        if isExpectedLoss(error) {
            if loop.debug { loop.logger.debug("\(self): \(message): \(error)") }
        } else {
            loop.callExceptionHandler(ExceptionContext(
                message: message, error: error,
                extra: ["transport": "\(self)", "protocol": "\(type(of: slot.protocolObject))"]))
        }
        forceClose(error)
    }

    // MARK: Flow control (asyncio's _FlowControlMixin)

    /// asyncio's `get_write_buffer_limits()`.
    final var writeBufferLimits: (low: Int, high: Int) { (flow.limits.low, flow.limits.high) }

    /// asyncio's `set_write_buffer_limits(high, low)`; pauses the protocol at once if the
    /// buffer is already above the new high mark.
    final func setWriteBufferLimits(high: Int?, low: Int?) throws {
        loop.assertOnLoopThread()
        flow.limits = try WriteBufferLimits(high: high, low: low)
        maybePauseProtocol()
    }

    /// asyncio's `_maybe_pause_protocol`: `pauseWriting` once the buffer goes above the
    /// high mark.
    final func maybePauseProtocol() {
        if flow.shouldPause(bufferSize: bufferedByteCount) { slot.protocolObject.pauseWriting() }
    }

    /// asyncio's `_maybe_resume_protocol`: `resumeWriting` once it drains to the low mark.
    final func maybeResumeProtocol() {
        if flow.shouldResume(bufferSize: bufferedByteCount) { slot.protocolObject.resumeWriting() }
    }
}
