import Glibc

/// The loop's descriptor watchers, one per descriptor (asyncio's selector map): readers
/// and writers of the same descriptor share one `uv_poll_t`. Loop thread only.
final class PollRegistry {
    unowned let loop: EventLoop
    private(set) var watchers: [Int32: DescriptorWatcher] = [:]

    init(loop: EventLoop) {
        self.loop = loop
    }

    deinit {
        // The loop is going away (it closed every handle already); a watcher that a
        // suspended operation still holds must not reach back into it.
        for watcher in watchers.values { watcher.loopWentAway() }
    }

    /// The watcher of `fd`, created (with its poll handle) on first use.
    func watcher(for fd: Int32) throws(OSError) -> DescriptorWatcher {
        if let existing = watchers[fd] { return existing }
        let created = try DescriptorWatcher(fd: fd, registry: self)
        watchers[fd] = created
        return created
    }

    /// The watcher of `fd` for an operation on `socket`, which learns about it so that
    /// closing the socket stops the poll first.
    @inline(__always)
    func watcher(for socket: Socket) throws(OSError) -> DescriptorWatcher {
        let fd = socket.fileno
        let found = try watcher(for: fd)
        if socket.pollWatcher !== found { socket.pollWatcher = found }
        return found
    }

    func forget(_ watcher: DescriptorWatcher) {
        if watchers[watcher.fd] === watcher { watchers[watcher.fd] = nil }
    }
}
