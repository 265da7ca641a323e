import CLibUV

/// A minimal `uv_poll_t` for the descriptors a server listens on and for a socket that
/// connects before a stream handle takes it over. Private to servers and connections:
/// the general `loop.sock_*`/add_reader registry is a separate type.
///
/// Closing stops watching at once (libuv drops the descriptor from epoll inside
/// `uv_close`), so a `uv_tcp_t` may take the descriptor right after.
final class UVSocketWatch: UVHandle {
    enum Event { case readable, writable }
    private var callback: ((Int32) -> Void)?
    private(set) var isWatching = false

    /// Watches `descriptor` (not owned: closing the watch leaves it open).
    init(loop: UVLoop, descriptor: Int32, label: String) throws(OSError) {
        super.init(size: MemoryLayout<uv_poll_t>.size, label: label)
        let status = uv_poll_init_socket(loop.raw, pointer.assumingMemoryBound(to: uv_poll_t.self), descriptor)
        guard status == 0 else { throw OSError(uvStatus: status, operation: "uv_poll_init_socket") }
        registered()
    }

    /// Calls `callback` with 0 (ready) or a negative libuv status on every readiness
    /// event, until `stop()`.
    func start(_ event: Event, _ callback: @escaping (Int32) -> Void) {
        guard !isCloseRequested else { return }
        self.callback = callback
        isWatching = true
        let events = event == .readable ? Int32(UV_READABLE.rawValue) : Int32(UV_WRITABLE.rawValue)
        uv_poll_start(pointer.assumingMemoryBound(to: uv_poll_t.self), events) { raw, status, _ in
            UVHandle.owner(raw, as: UVSocketWatch.self).callback?(status)
        }
    }

    func stop() {
        guard isWatching, !isCloseRequested else { return }
        isWatching = false
        uv_poll_stop(pointer.assumingMemoryBound(to: uv_poll_t.self))
    }

    override func willClose() {
        isWatching = false
        callback = nil
    }
}
