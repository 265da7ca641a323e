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
        try addCallback(fd, reading: true, callback)
    }

    /// Stops watching `fd` for readability; returns whether a reader was registered:
    /// asyncio's `loop.remove_reader`. Once neither a reader nor a writer remains, the
    /// poll handle is closed before this returns, so the descriptor may be closed next.
    /// (As in asyncio, removing the reader that a pending `sock*` operation registered
    /// leaves that operation waiting; cancel its task instead.)
    @discardableResult
    public nonisolated func removeReader(_ fd: Int32) throws -> Bool {
        try removeCallback(fd, reading: true)
    }

    /// Calls `callback` on the loop whenever `fd` is writable, replacing an earlier writer
    /// of `fd`: asyncio's `loop.add_writer`. Same rules as `addReader`.
    public nonisolated func addWriter(_ fd: Int32, _ callback: @escaping () throws -> Void) throws {
        try addCallback(fd, reading: false, callback)
    }

    /// Stops watching `fd` for writability; returns whether a writer was registered:
    /// asyncio's `loop.remove_writer`.
    @discardableResult
    public nonisolated func removeWriter(_ fd: Int32) throws -> Bool {
        try removeCallback(fd, reading: false)
    }

    /// `addReader`/`addWriter` (asyncio's `_add_reader`/`_add_writer`): a user callback
    /// stays registered until removed, and runs on every readiness.
    private nonisolated func addCallback(_ fd: Int32, reading: Bool, _ callback: @escaping () throws -> Void) throws {
        assertOnLoopThread()
        precondition(!isClosed, "Event loop is closed")
        try ensureNoTransport(fd)
        let watcher = try pollRegistry.watcher(for: fd)
        let registration: DescriptorWatcher.Callback = { readiness in
            if case .ready = readiness { try callback() }
            return false
        }
        _ = try reading ? watcher.setReader(registration) : watcher.setWriter(registration)
    }

    /// `removeReader`/`removeWriter`: the poll handle closes at once when nothing remains.
    private nonisolated func removeCallback(_ fd: Int32, reading: Bool) throws -> Bool {
        assertOnLoopThread()
        guard !isClosed else { return false }
        try ensureNoTransport(fd)
        guard let watcher = pollRegistry.watchers[fd] else { return false }
        return reading ? watcher.removeReader(closeNow: true) : watcher.removeWriter(closeNow: true)
    }

    /// asyncio's `_ensure_fd_no_transport`.
    @inline(__always)
    nonisolated func ensureNoTransport(_ fd: Int32) throws(SocketUsageError) {
        if !transportDescriptors.isEmpty, transportDescriptors.contains(fd) {
            throw .usedByTransport(fd: fd)
        }
    }
}
