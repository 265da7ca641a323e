import Glibc

extension StreamTransport {
    /// asyncio's `get_write_buffer_size()`: the bytes the kernel has not taken yet. Every
    /// byte not sent at once is in a libuv write request, so libuv's count is the total.
    var writeBufferSize: Int { handle.writeQueueSize }

    var canWriteEOF: Bool { true }

    /// asyncio's `write`: sends now when nothing is queued (`uv_try_write`) and queues a
    /// copy of only what the socket did not take.
    func write(_ data: UnsafeRawBufferPointer) {
        loop.assertOnLoopThread()
        precondition(!isEOFWritten, "Cannot call write() after writeEOF()")
        precondition(sendfileHold?.ownsSocket != true, "unable to write; sendfile is in progress")
        guard data.count > 0, acceptsWrites() else { return }
        var rest = data
        if handle.writeQueueSize == 0 {
            let sent = handle.tryWrite(data)
            if sent < 0 {
                fatalError(Self.osError(status: sent), "Fatal write error on socket transport")
                return
            }
            if sent == data.count { return }
            rest = UnsafeRawBufferPointer(rebasing: data[sent...])
        }
        queue([rest])
    }

    func write(_ data: [UInt8]) {
        data.withUnsafeBytes { write($0) }
    }

    /// asyncio's `writelines`: all buffers go out in one vectored write; what the socket
    /// does not take is queued as one request with one buffer per remaining piece.
    /// More than `vectoredLineLimit` lines are joined into one buffer first (one copy),
    /// which keeps the nesting of `withUnsafeBytes` below shallow.
    func writeLines(_ lines: [[UInt8]]) {
        loop.assertOnLoopThread()
        precondition(!isEOFWritten, "Cannot call writeLines() after writeEOF()")
        guard acceptsWrites() else { return }
        let pieces = lines.filter { !$0.isEmpty }
        if pieces.count > Self.vectoredLineLimit {
            write(Array(pieces.joined()))
            return
        }
        var buffers: [UnsafeRawBufferPointer] = []
        buffers.reserveCapacity(pieces.count)
        Self.withBuffers(of: pieces[...], collecting: &buffers) { writeVectored($0) }
    }

    static let vectoredLineLimit = 64

    /// Calls `body` with a pointer to each array's bytes, every one valid for the whole
    /// call (nested `withUnsafeBytes`, so no pointer outlives its closure).
    private static func withBuffers(
        of lines: ArraySlice<[UInt8]>, collecting buffers: inout [UnsafeRawBufferPointer],
        _ body: ([UnsafeRawBufferPointer]) -> Void
    ) {
        guard let first = lines.first else { return body(buffers) }
        first.withUnsafeBytes { bytes in
            buffers.append(bytes)
            withBuffers(of: lines.dropFirst(), collecting: &buffers, body)
        }
    }

    private func writeVectored(_ pieces: [UnsafeRawBufferPointer]) {
        let total = pieces.reduce(0) { $0 + $1.count }
        guard total > 0 else { return }
        var sent = 0
        if handle.writeQueueSize == 0 {
            sent = handle.tryWrite(pieces)
            if sent < 0 {
                fatalError(Self.osError(status: sent), "Fatal write error on socket transport")
                return
            }
            if sent == total { return }
        }
        var rest: [UnsafeRawBufferPointer] = []
        rest.reserveCapacity(pieces.count)
        var skip = sent
        for piece in pieces {
            if skip >= piece.count {
                skip -= piece.count
                continue
            }
            rest.append(UnsafeRawBufferPointer(rebasing: piece[skip...]))
            skip = 0
        }
        queue(rest)
    }

    /// asyncio's `write_eof`: shuts the write side down once queued writes are sent
    /// (libuv's `uv_shutdown` waits for them).
    func writeEOF() {
        loop.assertOnLoopThread()
        precondition(sendfileHold?.ownsSocket != true, "unable to write EOF; sendfile is in progress")
        guard !isClosingFlag, !isEOFWritten else { return }
        isEOFWritten = true
        let status = handle.shutdown { [self] status in
            guard status < 0, status != -ECANCELED else { return }
            fatalError(Self.osError(status: status), "Fatal write error on socket transport")
        }
        if status < 0 {
            fatalError(Self.osError(status: status), "Fatal write error on socket transport")
        }
    }

    /// After the connection was lost writes are dropped; asyncio warns from the fifth on.
    private func acceptsWrites() -> Bool {
        guard connectionLostCount > 0 else { return true }
        if connectionLostCount >= Self.connectionLostWriteLogThreshold {
            loop.logger.warning("socket.send() raised exception.")
        }
        connectionLostCount += 1
        return false
    }

    private func queue(_ pieces: [UnsafeRawBufferPointer]) {
        let status = handle.write(copying: pieces) { [self] status in writeCompleted(status) }
        if status < 0 {
            fatalError(Self.osError(status: status), "Fatal write error on socket transport")
            return
        }
        maybePauseProtocol()
    }

    /// A queued write finished (or was cancelled because the handle closed).
    private func writeCompleted(_ status: Int32) {
        guard connectionLostCount == 0 else { return }
        if status < 0 {
            if status != -ECANCELED {
                fatalError(Self.osError(status: status), "Fatal write error on socket transport")
            }
            return
        }
        maybeResumeProtocol()
        if handle.writeQueueSize == 0 { sendfileHold?.bufferDidDrain() }
        if isClosingFlag, handle.writeQueueSize == 0 {
            // The flush close() waited for is done (asyncio's _write_ready).
            connectionLostCount += 1
            closeHandle()
            callConnectionLost(nil)
        }
    }

    static func osError(status: Int) -> OSError {
        OSError(errno: Int32(-status), message: OSError.strerror(Int32(-status)))
    }

    static func osError(status: Int32) -> OSError { osError(status: Int(status)) }
}
