extension StreamTransport {
    /// asyncio's `get_write_buffer_limits()`.
    var writeBufferLimits: (low: Int, high: Int) { (limits.low, limits.high) }

    /// asyncio's `set_write_buffer_limits(high, low)`; pauses the protocol at once if the
    /// buffer is already above the new high mark.
    func setWriteBufferLimits(high: Int?, low: Int?) throws {
        loop.assertOnLoopThread()
        limits = try WriteBufferLimits(high: high, low: low)
        maybePauseProtocol()
    }

    /// asyncio's `_maybe_pause_protocol`: `pauseWriting` once, when the buffer goes
    /// above the high mark.
    func maybePauseProtocol() {
        guard !isProtocolPaused, writeBufferSize > limits.high else { return }
        isProtocolPaused = true
        protocolObject.pauseWriting()
    }

    /// asyncio's `_maybe_resume_protocol`: `resumeWriting` once, when the buffer drains
    /// to the low mark.
    func maybeResumeProtocol() {
        guard isProtocolPaused, writeBufferSize <= limits.low else { return }
        isProtocolPaused = false
        protocolObject.resumeWriting()
    }
}
