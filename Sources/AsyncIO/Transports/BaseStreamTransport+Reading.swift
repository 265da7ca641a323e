import Glibc

/// The read path, written once: libuv asks for a buffer (`streamAllocate`), reads into it,
/// and the bytes go to the protocol (`streamDidRead`): a `StreamingProtocol` gets a copy of
/// the loop's shared receive buffer, a `BufferedProtocol` its own buffer back.
extension BaseStreamTransport {
    /// asyncio's `is_reading()`.
    var isReading: Bool { !isReadingPaused && state == .open }

    /// asyncio's `pause_reading()`: idempotent.
    func pauseReading() {
        loop.assertOnLoopThread()
        guard isReading else { return }
        isReadingPaused = true
        handle.stopReading()
    }

    /// asyncio's `resume_reading()`: idempotent.
    func resumeReading() {
        loop.assertOnLoopThread()
        guard state == .open, isReadingPaused else { return }
        isReadingPaused = false
        if hasStartedReading { startReading() }
    }

    /// The scheduled start of reading (asyncio's `_add_reader` after `connection_made`).
    func startReadingIfWanted() {
        hasStartedReading = true
        guard isReading else { return }
        startReading()
    }

    /// A write pipe reads its end only to see the child close it (asyncio's `_add_reader`
    /// on a pipe that is a socket pair), through `PeerCloseWatch`, so the read callbacks
    /// below serve sockets and read pipes only.
    func startWatchingForPeerClose() {
        guard state.isConnected else { return }
        let status = handle.startReading(PeerCloseWatch(transport: self))
        if status < 0 { peerDidClose() }
    }

    private func startReading() {
        guard !isEOFReceived, state.isConnected else { return }
        let status = handle.startReading(self)
        if status < 0 {
            abortOnFatalError(OSError(uvStatus: status, operation: "uv_read_start"),
                              "Fatal read error on \(role.noun) transport")
        }
    }

    // MARK: UVStreamReader (libuv's callbacks)

    func streamAllocate(suggestedSize: Int) -> UnsafeMutableRawBufferPointer {
        if case .buffered(let p) = slot { return p.getBuffer(-1) }
        return sharedReadBuffer
    }

    func streamDidRead(_ count: Int) {
        guard state.isConnected else { return }
        switch slot {
        case .streaming(let p):
            p.dataReceived(Array(UnsafeRawBufferPointer(rebasing: sharedReadBuffer[..<count])))
        case .buffered(let p):
            p.bufferUpdated(count)
        }
    }

    func streamDidReachEOF() {
        guard state.isConnected else { return }
        switch role {
        case .socket:
            isEOFReceived = true
            handle.stopReading()
            if loop.debug { loop.logger.debug("\(self) received EOF") }
            // asyncio: true keeps the transport half-open (the protocol closes it later).
            if !slot.eofReceived() { close() }
        case .readPipe:
            // asyncio's `_read_ready` at end of file: `eofReceived`, then `connectionLost(nil)`,
            // each on a later callback.
            isEOFReceived = true
            if loop.debug { loop.logger.debug("\(self) was closed by peer") }
            loop.scheduleSoon { [self] in _ = slot.eofReceived() }
            forceClose(nil)
        case .writePipe:
            preconditionFailure("a write pipe reads through its PeerCloseWatch")
        }
    }

    func streamDidFail(status: Int32) {
        guard state.isConnected else { return }
        if status == -ENOBUFS, case .buffered = slot {
            abortOnFatalError(EmptyProtocolBufferError(), "Fatal error: protocol.getBuffer() call failed.")
        } else {
            abortOnFatalError(OSError(uvStatus: status), "Fatal read error on \(role.noun) transport")
        }
    }

    /// asyncio's `_read_ready` on a write pipe: the child closed its end, which loses what
    /// was still queued (a broken pipe).
    fileprivate func peerDidClose() {
        guard state.isConnected else { return }
        if loop.debug { loop.logger.debug("\(self) was closed by peer") }
        forceClose(writeBufferSize > 0 ? OSError(uvStatus: -EPIPE) : nil)
    }
}

/// What a write pipe reads its end with: libuv reports the child closing the pipe as end
/// of file (or an error); a child writing into its own stdin is not something asyncio
/// reads, so data is ignored.
private final class PeerCloseWatch: UVStreamReader {
    let transport: BaseStreamTransport

    init(transport: BaseStreamTransport) { self.transport = transport }

    func streamAllocate(suggestedSize: Int) -> UnsafeMutableRawBufferPointer { transport.sharedReadBuffer }
    func streamDidRead(_ count: Int) {}
    func streamDidReachEOF() { transport.peerDidClose() }
    func streamDidFail(status: Int32) { transport.peerDidClose() }
}
