extension EventLoop {
    /// Runs `callback` on the next loop iteration, after those already scheduled:
    /// asyncio's `call_soon`. An error it throws goes to the exception handler.
    /// Isolated to the loop, so `callback` may use the loop's objects and state; from
    /// other threads use `callSoonThreadsafe`.
    @discardableResult
    public func callSoon(
        _ callback: @escaping () throws -> Void,
        file: StaticString = #fileID, line: UInt = #line
    ) -> Handle {
        scheduleSoon(callback, file: file, line: line)
    }

    /// Runs `callback` after `delay`: asyncio's `call_later`. Timers due at the same time
    /// run in the order they were scheduled.
    @discardableResult
    public func callLater(
        _ delay: Duration, _ callback: @escaping () throws -> Void,
        file: StaticString = #fileID, line: UInt = #line
    ) -> TimerHandle {
        scheduleLater(delay, callback, file: file, line: line)
    }

    /// Runs `callback` at `when` on the loop's clock (`time()`): asyncio's `call_at`.
    @discardableResult
    public func callAt(
        _ when: Double, _ callback: @escaping () throws -> Void,
        file: StaticString = #fileID, line: UInt = #line
    ) -> TimerHandle {
        scheduleAt(when, callback, file: file, line: line)
    }

    // The library's own transports, servers and futures run on the loop's thread in
    // code the compiler does not know as the loop's (libuv callbacks, protocol methods);
    // they schedule through these, which check the thread at run time instead.

    /// `callSoon` for the library's loop-thread code.
    @discardableResult
    nonisolated func scheduleSoon(
        _ callback: @escaping () throws -> Void,
        file: StaticString = #fileID, line: UInt = #line
    ) -> Handle {
        assertOnLoopThread()
        precondition(!isClosed, "Event loop is closed")
        let handle = Handle(callback, file: file, line: line)
        appendReady(.callback(handle))
        return handle
    }

    /// `callLater` for the library's loop-thread code.
    @discardableResult
    nonisolated func scheduleLater(
        _ delay: Duration, _ callback: @escaping () throws -> Void,
        file: StaticString = #fileID, line: UInt = #line
    ) -> TimerHandle {
        scheduleAt(deadline(after: delay), callback, file: file, line: line)
    }

    /// The loop time (`time()`) that is `delay` from now: where a delay becomes a deadline.
    nonisolated func deadline(after delay: Duration) -> Double {
        time() + Double(delay.components.seconds) + Double(delay.components.attoseconds) / 1e18
    }

    /// `callAt` for the library's loop-thread code.
    @discardableResult
    nonisolated func scheduleAt(
        _ when: Double, _ callback: @escaping () throws -> Void,
        file: StaticString = #fileID, line: UInt = #line
    ) -> TimerHandle {
        assertOnLoopThread()
        precondition(!isClosed, "Event loop is closed")
        return scheduleTimer(at: when, callback, file: file, line: line)
    }

    /// Runs `callback` on the loop from any thread: asyncio's `call_soon_threadsafe`.
    /// Wakes the loop if it sleeps in poll.
    @discardableResult
    public nonisolated func callSoonThreadsafe(
        _ callback: @escaping @Sendable () throws -> Void,
        file: StaticString = #fileID, line: UInt = #line
    ) -> Handle {
        let handle = Handle(callback, file: file, line: line)
        if isOnLoopThread {
            appendReady(.callback(handle))
        } else {
            enqueueThreadsafe(.callback(handle))
        }
        return handle
    }
}
