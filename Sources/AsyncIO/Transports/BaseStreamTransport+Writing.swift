import Glibc

/// The write path, written once: send now when nothing is queued (`uv_try_write`), queue a
/// copy of what the kernel did not take (one libuv write request), and count the queue for
/// flow control. Every byte not sent at once is in a libuv write request, so libuv's count
/// is the whole buffer.
extension BaseStreamTransport {
    /// asyncio's `get_write_buffer_size()`: the bytes the kernel has not taken yet.
    var writeBufferSize: Int { handle.writeQueueSize }

    var canWriteEOF: Bool { true }

    /// asyncio's `write`.
    func write(_ data: UnsafeRawBufferPointer) {
        loop.assertOnLoopThread()
        precondition(!isEOFWritten, "Cannot call write() after writeEOF()")
        precondition(sendfileHold?.ownsSocket != true, "unable to write; sendfile is in progress")
        guard data.count > 0, acceptsWrites() else { return }
        var rest = data
        if handle.writeQueueSize == 0 {
            let sent = handle.tryWrite(data)
            if sent < 0 { return failWrite(Int32(sent)) }
            if sent == data.count { return }
            rest = UnsafeRawBufferPointer(rebasing: data[sent...])
        }
        queue([rest])
    }

    func write(_ data: [UInt8]) {
        data.withUnsafeBytes { write($0) }
    }

    /// asyncio's `writelines`: all buffers go out in one vectored write; what the kernel
    /// does not take is queued as one request with one buffer per remaining piece.
    /// More than `vectoredLineLimit` lines are joined into one buffer first (one copy),
    /// which keeps the nesting of `withUnsafeBytes` below shallow.
    func writeLines(_ lines: [[UInt8]]) {
        loop.assertOnLoopThread()
        precondition(!isEOFWritten, "Cannot call writeLines() after writeEOF()")
        let pieces = lines.filter { !$0.isEmpty }
        guard !pieces.isEmpty, acceptsWrites() else { return }
        if pieces.count > Self.vectoredLineLimit {
            write(Array(pieces.joined()))
            return
        }
        var buffers: [UnsafeRawBufferPointer] = []
        buffers.reserveCapacity(pieces.count)
        Self.withBuffers(of: pieces[...], collecting: &buffers) { writeVectored($0) }
    }

    static var vectoredLineLimit: Int { 64 }

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
        var sent = 0
        if handle.writeQueueSize == 0 {
            sent = handle.tryWrite(pieces)
            if sent < 0 { return failWrite(Int32(sent)) }
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

    /// asyncio's `write_eof`. A socket shuts its write side down once queued writes are
    /// sent (libuv's `uv_shutdown` waits for them). A pipe has no half-close: the child
    /// sees end of file when the pipe closes, once the queue is flushed; the EOF watch
    /// goes on until then.
    func writeEOF() {
        loop.assertOnLoopThread()
        if role == .writePipe {
            guard beginClosing() else { return }
            return closeIfFlushed()
        }
        precondition(sendfileHold?.ownsSocket != true, "unable to write EOF; sendfile is in progress")
        guard state == .open, !isEOFWritten else { return }
        isEOFWritten = true
        let status = handle.shutdown { [self] status in
            guard status < 0, status != -ECANCELED, state.isConnected else { return }
            failWrite(status)
        }
        if status < 0 { failWrite(status) }
    }

    /// After the loss writes are dropped, and counted for asyncio's warning. A socket
    /// still takes writes while it flushes before closing; a pipe's `close()` is its
    /// `write_eof()`, after which nothing more may be written.
    @inline(__always)
    private func acceptsWrites() -> Bool {
        if state == .open || (state == .closing && role != .writePipe) { return true }
        lostWrites.dropWrite(loop, warning: role.lostWriteWarning)
        return false
    }

    private func queue(_ pieces: [UnsafeRawBufferPointer]) {
        let status = handle.write(copying: pieces) { [self] status in writeCompleted(status) }
        if status < 0 { return failWrite(status) }
        maybePauseProtocol()
    }

    /// A queued write finished (or was cancelled because the handle closed).
    private func writeCompleted(_ status: Int32) {
        guard state.isConnected else { return }
        if status < 0 {
            if status != -ECANCELED { failWrite(status) }
            return
        }
        maybeResumeProtocol()
        // Asked after resumeWriting, whose handler may have written (and closed) meanwhile.
        guard handle.writeQueueSize == 0 else { return }
        sendfileHold?.bufferDidDrain()
        if state == .closing { finishClosing() }
    }

    private func failWrite(_ status: Int32) {
        abortOnFatalError(OSError(uvStatus: status), "Fatal write error on \(role.noun) transport")
    }
}
