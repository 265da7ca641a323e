extension StreamTransport {
    /// asyncio's `get_write_buffer_limits()`.
    var writeBufferLimits: (low: Int, high: Int) { (flow.limits.low, flow.limits.high) }

    /// asyncio's `set_write_buffer_limits(high, low)`; pauses the protocol at once if the
    /// buffer is already above the new high mark.
    func setWriteBufferLimits(high: Int?, low: Int?) throws {
        loop.assertOnLoopThread()
        flow.limits = try WriteBufferLimits(high: high, low: low)
        maybePauseProtocol()
    }

    /// asyncio's `_maybe_pause_protocol`: `pauseWriting` once, when the buffer goes
    /// above the high mark.
    func maybePauseProtocol() {
        if flow.shouldPause(bufferSize: writeBufferSize) { protocolObject.pauseWriting() }
    }

    /// asyncio's `_maybe_resume_protocol`: `resumeWriting` once, when the buffer drains
    /// to the low mark.
    func maybeResumeProtocol() {
        if flow.shouldResume(bufferSize: writeBufferSize) { protocolObject.resumeWriting() }
    }
}
