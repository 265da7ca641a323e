import Glibc

extension EventLoop {
    /// Sends `count` bytes (nil: up to the end) of the open file `file`, from `offset`,
    /// over a stream transport, and returns the bytes sent: asyncio's
    /// `loop.sendfile(transport, file, offset, count, fallback=fallback)`.
    ///
    /// The transport first stops reading and flushes its write buffer; then `sendfile(2)`
    /// runs on its socket whenever the socket is writable, while the transport refuses
    /// writes (a write meanwhile is a programmer error, asyncio's "unable to write;
    /// sendfile is in progress"). Reading resumes afterwards if it was on. When the file
    /// is not a regular file, or the first `sendfile` call fails, the native path is not
    /// available: with `fallback: true` (the default) the file is read on the thread pool
    /// in 16 KiB blocks and written through the transport (waiting for its buffer to
    /// drain instead of overfilling it); with `fallback: false` that throws
    /// `SendfileNotAvailableError`. Afterwards the file's position is `offset` plus the
    /// bytes sent, as in asyncio.
    ///
    /// Throws `InvalidStateError` when the transport is closing, is not a stream
    /// transport, or already runs a sendfile (asyncio's `RuntimeError`s);
    /// `InvalidArgumentError` for a count ≤ 0 or a negative offset (asyncio's
    /// `ValueError`); an `OSError` if the connection fails on the way.
    @discardableResult
    public func sendFile(
        transport: any Transport, file: Int32, offset: Int = 0, count: Int? = nil, fallback: Bool = true
    ) async throws -> Int {
        assertOnLoopThread()
        guard !transport.isClosing else { throw InvalidStateError("Transport is closing") }
        guard let stream = transport as? StreamTransport else {
            throw InvalidStateError("sendfile is not supported for transport \(transport)")
        }
        try Self.checkSendfileRange(offset: offset, count: count)
        guard !stream.isEOFWritten else { throw InvalidStateError("Cannot call sendFile() after writeEOF()") }
        do {
            return try await sendFileNative(stream, file: file, offset: offset, count: count)
        } catch let error as SendfileNotAvailableError {
            if !fallback { throw error }
        }
        return try await sendFileFallback(stream, file: file, offset: offset, count: count)
    }

    /// asyncio's `_sendfile_native` (selector_events) around `_sock_sendfile_native`
    /// (unix_events): an error before the first byte means "not available".
    private func sendFileNative(_ transport: StreamTransport, file: Int32, offset: Int, count: Int?) async throws -> Int {
        guard let size = Socket.regularFileSize(file) else { throw SendfileNotAvailableError("not a regular file") }
        guard let hold = transport.beginSendfile(ownsSocket: true) else {
            throw InvalidStateError("sendfile is already in progress on \(transport)")
        }
        let resumeReading = transport.isReading
        transport.pauseReading()
        var position = offset
        var total = 0
        defer {
            transport.endSendfile(hold)
            if total > 0 { try? Socket.seek(file, to: offset + total) }
            if resumeReading { transport.resumeReading() }
        }
        try await transport.waitUntilWriteBufferEmpty(hold)
        let blockSize = count ?? size
        if blockSize == 0 { return 0 }
        while true {
            if let error = hold.closedError { throw error }
            // One call moves at most 1 GiB; without a count, until sendfile reports the end.
            let step = min(count.map { $0 - total } ?? blockSize, 1 << 30)
            if step <= 0 { return total }
            let attempt: Socket.Attempt<Int>
            do {
                guard let socket = transport.socket else { throw OSError(errno: EBADF, message: "sendfile on a closed transport") }
                attempt = try socket.trySendFile(from: file, offset: &position, count: step)
            } catch {
                if total == 0 { throw SendfileNotAvailableError("os.sendfile call failed (\(error))") }
                throw error
            }
            switch attempt {
            case .done(0): return total
            case .done(let sent): total += sent
            case .wouldBlock: try await transport.waitUntilWritable(hold)
            }
        }
    }

    /// asyncio's `_sendfile_fallback`: blocks read on the thread pool, written through the
    /// transport. asyncio swaps in a protocol that waits on pause/resume writing; waiting
    /// for the buffer to drain before a block would pass the high-water mark keeps the
    /// user's protocol from seeing pauseWriting (unless the mark is below a block).
    func sendFileFallback(_ transport: StreamTransport, file: Int32, offset: Int, count: Int?) async throws -> Int {
        guard let hold = transport.beginSendfile(ownsSocket: false) else {
            throw InvalidStateError("sendfile is already in progress on \(transport)")
        }
        let resumeReading = transport.isReading
        transport.pauseReading()
        var total = 0
        defer {
            transport.endSendfile(hold)
            if total > 0 { try? Socket.seek(file, to: offset + total) }
            if resumeReading { transport.resumeReading() }
        }
        if offset != 0 { try Socket.seek(file, to: offset) }
        let blockLimit = min(count ?? 16384, 16384)
        while true {
            let size = count.map { min($0 - total, blockLimit) } ?? blockLimit
            if size <= 0 { break }
            let chunk = try await runInExecutor { try Socket.read(file, upTo: size) }
            if chunk.isEmpty { break }
            if transport.writeBufferSize + chunk.count > transport.writeBufferLimits.high {
                try await transport.waitUntilWriteBufferEmpty(hold)
            }
            if let error = hold.closedError { throw error }
            guard !transport.isClosing else { throw OSError(errno: EPIPE, message: "Connection closed by peer") }
            transport.write(chunk)
            total += chunk.count
        }
        return total
    }
}
