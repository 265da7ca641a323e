extension EventLoop {
    /// Calls `callback` on the loop whenever `fd` is readable, replacing an earlier reader
    /// of `fd`: asyncio's `loop.add_reader`. An error the callback throws goes to the
    /// exception handler.
    ///
    /// Throws `SocketUsageError.usedByTransport` for a descriptor a transport or server
    /// owns, and `OSError` if libuv cannot poll it (`EPERM` for a regular file, `EBADF`).
    /// Remove the reader (and writer) before closing the descriptor: libuv must not poll
    /// a closed descriptor.
    public nonisolated func addReader(_ fd: Int32, _ callback: @escaping () throws -> Void) throws {
        assertOnLoopThread()
        precondition(!isClosed, "Event loop is closed")
        try ensureNoTransport(fd)
        _ = try pollRegistry.watcher(for: fd).setReader { readiness in
            if case .ready = readiness { try callback() }
            return false
        }
    }

    /// Stops watching `fd` for readability; returns whether a reader was registered:
    /// asyncio's `loop.remove_reader`. Once neither a reader nor a writer remains, the
    /// poll handle is closed before this returns, so the descriptor may be closed next.
    /// (As in asyncio, removing the reader that a pending `sock*` operation registered
    /// leaves that operation waiting; cancel its task instead.)
    @discardableResult
    public nonisolated func removeReader(_ fd: Int32) throws -> Bool {
        assertOnLoopThread()
        guard !isClosed else { return false }
        try ensureNoTransport(fd)
        return pollRegistry.watchers[fd]?.removeReader(closeNow: true) ?? false
    }

    /// Calls `callback` on the loop whenever `fd` is writable, replacing an earlier writer
    /// of `fd`: asyncio's `loop.add_writer`. Same rules as `addReader`.
    public nonisolated func addWriter(_ fd: Int32, _ callback: @escaping () throws -> Void) throws {
        assertOnLoopThread()
        precondition(!isClosed, "Event loop is closed")
        try ensureNoTransport(fd)
        _ = try pollRegistry.watcher(for: fd).setWriter { readiness in
            if case .ready = readiness { try callback() }
            return false
        }
    }

    /// Stops watching `fd` for writability; returns whether a writer was registered:
    /// asyncio's `loop.remove_writer`.
    @discardableResult
    public nonisolated func removeWriter(_ fd: Int32) throws -> Bool {
        assertOnLoopThread()
        guard !isClosed else { return false }
        try ensureNoTransport(fd)
        return pollRegistry.watchers[fd]?.removeWriter(closeNow: true) ?? false
    }

    /// asyncio's `_ensure_fd_no_transport`.
    @inline(__always)
    nonisolated func ensureNoTransport(_ fd: Int32) throws(SocketUsageError) {
        if !transportDescriptors.isEmpty, transportDescriptors.contains(fd) {
            throw .usedByTransport(fd: fd)
        }
    }
}
