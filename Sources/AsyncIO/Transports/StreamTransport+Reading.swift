import Glibc

extension StreamTransport {
    /// asyncio's `is_reading()`.
    var isReading: Bool { !isReadingPaused && !isClosingFlag }

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
        guard !isClosingFlag, isReadingPaused else { return }
        isReadingPaused = false
        if hasStartedReading { startReading() }
    }

    /// The scheduled start of reading (asyncio's `_add_reader` after `connection_made`).
    func startReadingIfWanted() {
        hasStartedReading = true
        guard isReading else { return }
        startReading()
    }

    private func startReading() {
        guard !isEOFReceived, connectionLostCount == 0 else { return }
        let status = handle.startReading(self)
        if status < 0 {
            fatalError(OSError(uvStatus: status, operation: "uv_read_start"), "Fatal read error on socket transport")
        }
    }

    // MARK: UVStreamReader (libuv's callbacks)

    func streamAllocate(suggestedSize: Int) -> UnsafeMutableRawBufferPointer {
        switch receiver {
        case .streaming: return sharedReadBuffer
        case .buffered(let p): return p.getBuffer(-1)
        }
    }

    func streamDidRead(_ count: Int) {
        guard connectionLostCount == 0 else { return }
        switch receiver {
        case .streaming(let p):
            p.dataReceived(Array(UnsafeRawBufferPointer(rebasing: sharedReadBuffer[..<count])))
        case .buffered(let p):
            p.bufferUpdated(count)
        }
    }

    func streamDidReachEOF() {
        guard connectionLostCount == 0 else { return }
        isEOFReceived = true
        handle.stopReading()
        if loop.debug { loop.logger.debug("\(self) received EOF") }
        let keepOpen: Bool
        switch receiver {
        case .streaming(let p): keepOpen = p.eofReceived()
        case .buffered(let p): keepOpen = p.eofReceived()
        }
        // asyncio: true keeps the transport half-open (the protocol closes it later).
        if !keepOpen { close() }
    }

    func streamDidFail(status: Int32) {
        guard connectionLostCount == 0 else { return }
        if status == -ENOBUFS, case .buffered = receiver {
            fatalError(EmptyProtocolBufferError(), "Fatal error: protocol.getBuffer() call failed.")
        } else {
            fatalError(OSError(errno: -status, message: OSError.strerror(-status)), "Fatal read error on socket transport")
        }
    }
}

/// A `BufferedProtocol.getBuffer` returned an empty buffer (asyncio's RuntimeError
/// "get_buffer() returned an empty buffer").
public struct EmptyProtocolBufferError: Error, Sendable, CustomStringConvertible {
    public var description: String { "getBuffer() returned an empty buffer" }
}
