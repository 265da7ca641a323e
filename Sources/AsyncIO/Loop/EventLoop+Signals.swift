extension EventLoop {
    /// Runs `callback` on the loop each time the process receives `signal`, replacing an
    /// earlier handler for it: asyncio's `add_signal_handler`. Throws `OSError` for a
    /// signal that cannot be caught (SIGKILL, SIGSTOP) or an invalid number. By name:
    /// `addSignalHandler(.terminate) { … }` (`Signal`).
    public nonisolated func addSignalHandler(_ signal: Int32, _ callback: @escaping () throws -> Void) throws {
        assertOnLoopThread()
        precondition(!isClosed, "Event loop is closed")
        let previous = signalHandlers.removeValue(forKey: signal)
        previous?.close()
        let handler = try UVSignal(loop: uv, signal: signal) { [unowned self] in
            self.appendReady(.callback(Handle(callback, file: #fileID, line: #line)))
        }
        // A signal handler alone must not keep `run` from finishing, as in asyncio.
        handler.unref()
        signalHandlers[signal] = handler
    }

    /// Removes the handler for `signal`; returns whether there was one
    /// (asyncio's `remove_signal_handler`).
    @discardableResult
    public nonisolated func removeSignalHandler(_ signal: Int32) -> Bool {
        assertOnLoopThread()
        guard let handler = signalHandlers.removeValue(forKey: signal) else { return false }
        handler.close()
        return true
    }
}
