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
/// Lifetime: a new interest starts the poll handle with the right mask. When an
/// operation finishes, a read interest nobody holds any more is kept in the mask: the task
/// that just read usually waits again within the same drain (an echo loop), and keeping
/// the mask spares two `epoll_ctl` calls per request. Should data arrive first, the
/// event finds no reader and the mask narrows then (libuv polls level-triggered, so an
/// unwanted direction would fire every iteration). A write interest is dropped at once
/// (a socket is nearly always writable). A user's `removeReader`/`removeWriter` that
/// leaves nothing closes the handle at once (the user may close the descriptor next, as
/// in asyncio); otherwise the handle lives until its `Socket` closes or detaches, which
/// tears the watcher down before the descriptor goes.
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
        remove(reading: true, token: token, closeNow: closeNow)
    }

    /// The writer counterpart of `removeReader`.
    @discardableResult
    func removeWriter(token: UInt64? = nil, closeNow: Bool) -> Bool {
        remove(reading: false, token: token, closeNow: closeNow)
    }

    /// Inlined, so each caller's direction is a constant (a `sock*` call removes its
    /// registration on every completion).
    @inline(__always)
    private func remove(reading: Bool, token: UInt64?, closeNow: Bool) -> Bool {
        guard let current = reading ? reader : writer, token == nil || current.token == token else { return false }
        if reading { reader = nil } else { writer = nil }
        interestDropped(closeNow: closeNow)
        return true
    }

    private func interestDropped(closeNow: Bool) {
        guard !isClosed else { return }
        if isIdle && closeNow {
            tearDown(abandonWith: nil)
        } else if writer == nil && mask & UVPoll.writable != 0 {
            narrowMask()
        }
    }

    /// Polls for exactly the directions someone waits for, stopping the handle (but
    /// keeping it) when nobody waits.
    private func narrowMask() {
        if isIdle {
            if mask != 0 {
                poll.stop()
                mask = 0
            }
        } else {
            try? applyMask()
        }
    }

    /// Starts the poll handle with the mask the current interest needs; never narrows to
    /// nothing (see `narrowMask`).
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
        let unwanted = (readable && reader == nil) || (writable && writer == nil)
        if readable, let current = reader, invoke(current, .ready) {
            _ = removeReader(token: current.token, closeNow: false)
        }
        if writable, !isClosed, let current = writer, invoke(current, .ready) {
            _ = removeWriter(token: current.token, closeNow: false)
        }
        if unwanted, status >= 0, !isClosed {
            // An event nobody waited for (the kept read interest, see the type's notes).
            narrowMask()
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
