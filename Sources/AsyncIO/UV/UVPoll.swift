import CLibUV

/// A `uv_poll_t`: libuv reports readability and writability of a descriptor it does not
/// own (the loop's `addReader`/`addWriter` and `sock*` methods on sockets; libdispatch's
/// main-queue eventfd).
///
/// libuv's rule, which `DescriptorWatcher` enforces: the descriptor must not be closed
/// while the poll handle is active; stop or close the handle first.
final class UVPoll: UVHandle {
    /// `UV_READABLE`.
    static let readable = Int32(UV_READABLE.rawValue)
    /// `UV_WRITABLE`.
    static let writable = Int32(UV_WRITABLE.rawValue)
    /// `UV_DISCONNECT` (the peer hung up; reported with readability when asked for).
    static let disconnect = Int32(UV_DISCONNECT.rawValue)

    /// Called with libuv's status (0, or a negative error such as `UV_EBADF` after
    /// `POLLERR`, in which case libuv has already stopped the handle) and the events.
    var onEvents: ((_ status: Int32, _ events: Int32) -> Void)?
    let descriptor: Int32

    private var raw: UnsafeMutablePointer<uv_poll_t> { pointer.assumingMemoryBound(to: uv_poll_t.self) }

    /// Fails (without creating a handle) if libuv cannot poll `fd`: `EBADF` for a closed
    /// descriptor, `EPERM` for a regular file, `EEXIST` if another handle watches it.
    convenience init(loop: UVLoop, socket fd: Int32, label: String) throws(OSError) {
        try self.init(loop: loop, fd: fd, isSocket: true, label: label, isInternal: false)
    }

    /// A poll handle on a descriptor that is not a socket (an eventfd, a pipe), failing as
    /// the socket form does. libuv never closes `fd`; closing the handle leaves it open.
    convenience init(loop: UVLoop, descriptor fd: Int32, label: String, isInternal: Bool) throws(OSError) {
        try self.init(loop: loop, fd: fd, isSocket: false, label: label, isInternal: isInternal)
    }

    private init(loop: UVLoop, fd: Int32, isSocket: Bool, label: String, isInternal: Bool) throws(OSError) {
        descriptor = fd
        super.init(size: MemoryLayout<uv_poll_t>.size, label: label, isInternal: isInternal)
        let status = isSocket ? uv_poll_init_socket(loop.raw, raw, fd) : uv_poll_init(loop.raw, raw, fd)
        guard status == 0 else {
            throw OSError(uvStatus: status, operation: "\(isSocket ? "uv_poll_init_socket" : "uv_poll_init")(\(fd))")
        }
        registered()
    }

    /// Starts (or changes) polling for `events`, a mask of `readable` and `writable`.
    func start(_ events: Int32) throws(OSError) {
        let status = uv_poll_start(raw, events) { raw, status, events in
            UVHandle.owner(raw, as: UVPoll.self).onEvents?(status, events)
        }
        guard status == 0 else { throw OSError(uvStatus: status, operation: "uv_poll_start(\(descriptor))") }
    }

    /// Stops polling; the descriptor may be closed right after.
    func stop() {
        guard !isCloseRequested else { return }
        uv_poll_stop(raw)
    }

    override func willClose() { onEvents = nil }
}
