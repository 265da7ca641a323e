import Glibc

/// Why a registered callback is being called.
enum Readiness {
    /// The descriptor is ready in the callback's direction (or libuv reported an error,
    /// which the next system call will surface).
    case ready
    /// The registration is gone without the descriptor becoming ready: the socket was
    /// closed, or another registration replaced this one. Operations fail with `error`.
    case abandoned(any Error)
}

/// The one `uv_poll_t` of a descriptor, shared by its reader and its writer: asyncio's
/// selector key with its `(reader, writer)` pair.
///
/// A callback returns `true` when it is finished (an operation that completed or failed),
/// which removes it; `false` keeps it registered (user callbacks, or an operation whose
/// system call would still block).
///
/// Lifetime: the poll handle follows the interest. A new interest starts it with the
/// right mask; when the last interest goes, a `removeReader`/`removeWriter` by the user
/// closes the handle at once (the user may close the descriptor next, as in asyncio),
/// while an operation that finished leaves it running until the end of the current
/// ready-queue drain (`PollRegistry.settle`), so a task that waits again right away (the
/// echo loop) pays no `epoll_ctl` and no handle allocation. A `Socket` that registered
/// operations points back here and tears the watcher down before its descriptor closes.
final class DescriptorWatcher {
    typealias Callback = (Readiness) throws -> Bool

    private struct Interest {
        var token: UInt64
        var callback: Callback
    }

    let fd: Int32
    private unowned let registry: PollRegistry
    private let poll: UVPoll
    /// The mask the poll handle runs with; 0 when stopped.
    private var mask: Int32 = 0
    private var reader: Interest?
    private var writer: Interest?
    private var nextToken: UInt64 = 0
    private(set) var isClosed = false
    /// Whether the registry will look at this watcher at its next settle pass.
    var isQueuedForSettle = false

    init(fd: Int32, registry: PollRegistry) throws(OSError) {
        self.fd = fd
        self.registry = registry
        poll = try UVPoll(loop: registry.loop.uv, socket: fd, label: "poll on fd \(fd)")
        poll.onEvents = { [unowned self] status, events in self.handleEvents(status: status, events: events) }
    }

    var hasReader: Bool { reader != nil }
    var hasWriter: Bool { writer != nil }
    var isIdle: Bool { reader == nil && writer == nil }
    /// Whether the poll handle is running (tests look at this).
    var isPolling: Bool { poll.isActive }

    // MARK: Registration

    /// Registers `callback` for readability, replacing (and abandoning) an earlier reader.
    /// Returns the token that removes exactly this registration.
    func setReader(_ callback: @escaping Callback) throws(OSError) -> UInt64 {
        try set(callback, reading: true)
    }

    /// Registers `callback` for writability, replacing (and abandoning) an earlier writer.
    func setWriter(_ callback: @escaping Callback) throws(OSError) -> UInt64 {
        try set(callback, reading: false)
    }

    private func set(_ callback: @escaping Callback, reading: Bool) throws(OSError) -> UInt64 {
        precondition(!isClosed, "registering on a closed descriptor watcher")
        nextToken &+= 1
        let interest = Interest(token: nextToken, callback: callback)
        let replaced: Interest?
        if reading {
            replaced = reader
            reader = interest
        } else {
            replaced = writer
            writer = interest
        }
        do {
            try applyMask()
        } catch {
            if reading { reader = replaced } else { writer = replaced }
            throw error
        }
        if let replaced {
            invoke(replaced, .abandoned(SocketUsageError.replacedByAnotherOperation(fd: fd)))
        }
        return interest.token
    }

    /// Removes the reader (any reader if `token` is nil, else only the registration with
    /// that token: asyncio's `_sock_read_done` idempotency). Returns whether one was removed.
    /// `closeNow` closes the poll handle at once if nothing remains.
    @discardableResult
    func removeReader(token: UInt64? = nil, closeNow: Bool) -> Bool {
        guard let current = reader, token == nil || current.token == token else { return false }
        reader = nil
        interestDropped(closeNow: closeNow)
        return true
    }

    /// The writer counterpart of `removeReader`.
    @discardableResult
    func removeWriter(token: UInt64? = nil, closeNow: Bool) -> Bool {
        guard let current = writer, token == nil || current.token == token else { return false }
        writer = nil
        interestDropped(closeNow: closeNow)
        return true
    }

    private func interestDropped(closeNow: Bool) {
        guard !isClosed else { return }
        if isIdle {
            if closeNow {
                tearDown(abandonWith: nil)
            } else {
                registry.queueForSettle(self)
            }
        } else {
            // Level-triggered polling: a direction nobody waits for would fire every
            // iteration, so narrow the mask now.
            try? applyMask()
        }
    }

    /// Starts the poll handle with the mask the current interest needs. An idle watcher
    /// keeps its running mask until the settle pass closes it.
    private func applyMask() throws(OSError) {
        guard !isClosed else { return }
        let wanted = (reader != nil ? UVPoll.readable : 0) | (writer != nil ? UVPoll.writable : 0)
        guard wanted != 0, wanted != mask else { return }
        do {
            try poll.start(wanted)
            mask = wanted
        } catch {
            mask = 0
            throw error
        }
    }

    // MARK: Events

    private func handleEvents(status: Int32, events: Int32) {
        if status < 0 {
            // libuv stopped the handle after POLLERR; run both sides so their system
            // calls report the error, then restart for whoever is still interested.
            mask = 0
        }
        let readable = status < 0 || events & (UVPoll.readable | UVPoll.disconnect) != 0
        let writable = status < 0 || events & UVPoll.writable != 0
        if readable, let current = reader, invoke(current, .ready) {
            _ = removeReader(token: current.token, closeNow: false)
        }
        if writable, !isClosed, let current = writer, invoke(current, .ready) {
            _ = removeWriter(token: current.token, closeNow: false)
        }
        if status < 0, !isClosed, !isIdle {
            do {
                try applyMask()
            } catch {
                registry.loop.callExceptionHandler(ExceptionContext(
                    message: "restarting the poll on file descriptor \(fd)", error: error))
            }
        }
    }

    /// Runs a callback; an error it throws (user callbacks only) goes to the loop's
    /// exception handler, as asyncio's reader handles do.
    @discardableResult
    private func invoke(_ interest: Interest, _ readiness: Readiness) -> Bool {
        do {
            return try interest.callback(readiness)
        } catch {
            registry.loop.callExceptionHandler(ExceptionContext(
                message: "Exception in callback for file descriptor \(fd)", error: error))
            return false
        }
    }

    // MARK: Teardown

    /// The descriptor is about to be closed (or detached): stop polling before it is, as
    /// libuv requires, and fail the operations still waiting on it with `EBADF`.
    /// Called from `Socket.close()`/`detach()`/`deinit`; a loop that is already closed
    /// closed the handle itself.
    func descriptorWillClose() {
        guard !isClosed, !registry.loop.isClosed else { return }
        registry.loop.assertOnLoopThread()
        tearDown(abandonWith: OSError(errno: EBADF, message: "socket (fd \(fd)) was closed while an operation on it was pending"))
    }

    /// The registry and loop are being deallocated: from now on this watcher does nothing.
    func loopWentAway() {
        isClosed = true
        reader = nil
        writer = nil
    }

    /// Stops and closes the poll handle and forgets this descriptor. Pending operations
    /// are abandoned with `error` (user callbacks are dropped silently).
    func tearDown(abandonWith error: (any Error)?) {
        guard !isClosed else { return }
        isClosed = true
        poll.stop()
        poll.close()
        mask = 0
        registry.forget(self)
        let pending = [reader, writer]
        reader = nil
        writer = nil
        if let error {
            for case let interest? in pending { invoke(interest, .abandoned(error)) }
        }
    }
}
