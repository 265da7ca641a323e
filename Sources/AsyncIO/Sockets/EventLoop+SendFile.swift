import Glibc

extension EventLoop {
    /// Sends `count` bytes (nil: up to the end) of the open file `file`, starting at
    /// `offset`, over the stream socket `sock`; returns the bytes sent: asyncio's
    /// `loop.sock_sendfile(sock, file, offset, count, fallback=fallback)`.
    ///
    /// Uses `sendfile(2)` whenever the socket is writable (libuv's `uv_fs_sendfile` would
    /// copy through the thread pool instead). When `file` is not a regular file, or the
    /// first `sendfile` call fails, `SendfileNotAvailableError` is thrown with
    /// `fallback: false`; with `fallback: true` (the default) the file is read on the
    /// thread pool in 256 KiB blocks and sent with `sockSendAll`. Afterwards the file's
    /// position is `offset` plus the bytes sent, as in asyncio.
    ///
    /// Throws `InvalidArgumentError` (asyncio's `ValueError`) for a socket that is not
    /// `SOCK_STREAM`, a count ≤ 0 or a negative offset, before anything is sent.
    @discardableResult
    public func sockSendFile(
        _ sock: Socket, file: Int32, offset: Int = 0, count: Int? = nil, fallback: Bool = true
    ) async throws -> Int {
        if try enterSockOperation(sock) { try await yieldToLoop() }
        guard sock.type == Int32(SOCK_STREAM.rawValue) else {
            throw InvalidArgumentError("only SOCK_STREAM type sockets are supported")
        }
        try Self.checkSendfileRange(offset: offset, count: count)
        do {
            return try await sendFileNative(sock, file: file, offset: offset, count: count)
        } catch let error as SendfileNotAvailableError {
            if !fallback { throw error }
        }
        return try await sendFileFallback(sock, file: file, offset: offset, count: count)
    }

    /// The range part of asyncio's `_check_sendfile_params`, for `sockSendFile` and the
    /// transport's `sendFile` alike: `count` nil or positive, `offset` not negative, else
    /// `InvalidArgumentError` (asyncio's `ValueError`) in asyncio's words.
    static func checkSendfileRange(offset: Int, count: Int?) throws(InvalidArgumentError) {
        if let count, count <= 0 {
            throw InvalidArgumentError("count must be a positive integer (got \(count))")
        }
        guard offset >= 0 else {
            throw InvalidArgumentError("offset must be a non-negative integer (got \(offset))")
        }
    }

    /// asyncio's `_sock_sendfile_native` (unix_events.py): `sendfile(2)` until done,
    /// waiting for writability on `EAGAIN`; any error before the first byte means
    /// "not available" (the file may not be mmap-able), later ones are real errors.
    private func sendFileNative(_ sock: Socket, file: Int32, offset: Int, count: Int?) async throws -> Int {
        guard let size = Socket.regularFileSize(file) else { throw SendfileNotAvailableError("not a regular file") }
        let blockSize = count ?? size
        if blockSize == 0 { return 0 }
        var position = offset
        var total = 0
        defer {
            if total > 0 { try? Socket.seek(file, to: offset + total) }
        }
        let step = { () throws -> Socket.Attempt<Int> in
            while true {
                // A single call moves at most 1 GiB, like asyncio's cap on 32-bit systems.
                let remaining = min(count.map { $0 - total } ?? blockSize, 1 << 30)
                if remaining <= 0 { return .done(total) }
                let attempt: Socket.Attempt<Int>
                do {
                    attempt = try sock.trySendFile(from: file, offset: &position, count: remaining)
                } catch {
                    if total == 0 { throw SendfileNotAvailableError("os.sendfile call failed (\(error))") }
                    throw error
                }
                switch attempt {
                case .wouldBlock: return .wouldBlock
                case .done(0): return .done(total) // end of file
                case .done(let sent): total += sent
                }
            }
        }
        if case .done(let sent) = try step() { return sent }
        return try await waitFor(sock, reading: false, step)
    }

    /// asyncio's `_sock_sendfile_fallback`: read blocks on the thread pool, `sockSendAll`
    /// each. Works for pipes and other files `sendfile(2)` cannot read.
    private func sendFileFallback(_ sock: Socket, file: Int32, offset: Int, count: Int?) async throws -> Int {
        if offset != 0 { try Socket.seek(file, to: offset) }
        let blockLimit = 256 * 1024
        var total = 0
        while true {
            let size = count.map { min($0 - total, blockLimit) } ?? blockLimit
            if size <= 0 { break }
            let chunk = try await runInExecutor { try Socket.read(file, upTo: size) }
            if chunk.isEmpty { break }
            try await sockSendAll(sock, chunk)
            total += chunk.count
        }
        return total
    }
}
