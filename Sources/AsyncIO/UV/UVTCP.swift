import CLibUV

/// A `uv_tcp_t` over a descriptor we created and configured (`uv_tcp_open`): libuv 1.44
/// cannot set SO_REUSEPORT and its bind forces SO_REUSEADDR, so sockets are made with
/// `Socket` and handed over. The handle owns the descriptor from then on (`uv_close`
/// closes it).
final class UVTCP: UVStream {
    /// Wraps `descriptor`; on failure the descriptor is still the caller's to close.
    init(loop: UVLoop, descriptor: Int32, label: String = "tcp transport") throws(OSError) {
        super.init(size: MemoryLayout<uv_tcp_t>.size, label: label)
        let tcp = pointer.assumingMemoryBound(to: uv_tcp_t.self)
        uv_tcp_init(loop.raw, tcp)
        registered()
        try adopted(uv_tcp_open(tcp, descriptor), "uv_tcp_open")
    }

    /// TCP_NODELAY (asyncio sets it on every TCP transport).
    func setNoDelay(_ enabled: Bool) {
        uv_tcp_nodelay(pointer.assumingMemoryBound(to: uv_tcp_t.self), enabled ? 1 : 0)
    }

    /// SO_KEEPALIVE with `delay` seconds of idle time before the first probe.
    func setKeepAlive(_ enabled: Bool, delay: UInt32 = 60) {
        uv_tcp_keepalive(pointer.assumingMemoryBound(to: uv_tcp_t.self), enabled ? 1 : 0, delay)
    }
}

/// A `uv_pipe_t` over a connected Unix-domain socket descriptor (`uv_pipe_open`); the
/// handle owns the descriptor from then on.
final class UVPipe: UVStream {
    init(loop: UVLoop, descriptor: Int32, label: String = "unix transport") throws(OSError) {
        super.init(size: MemoryLayout<uv_pipe_t>.size, label: label)
        let pipe = pointer.assumingMemoryBound(to: uv_pipe_t.self)
        uv_pipe_init(loop.raw, pipe, 0)
        registered()
        try adopted(uv_pipe_open(pipe, descriptor), "uv_pipe_open")
    }
}
