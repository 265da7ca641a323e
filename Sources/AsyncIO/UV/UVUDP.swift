import CLibUV
import Glibc

/// What a `UVUDP` reports while receiving (the datagram transport). Loop thread only.
protocol UVUDPReceiver: AnyObject {
    /// The buffer libuv receives the next datagram into.
    func udpAllocate(suggestedSize: Int) -> UnsafeMutableRawBufferPointer
    /// A datagram of `count` bytes (possibly 0) arrived from `sender` into the buffer
    /// handed out last.
    func udpDidReceive(_ count: Int, from sender: SocketAddress?)
    /// Receiving failed with a libuv status (e.g. `-ECONNREFUSED` after an ICMP port
    /// unreachable on a connected socket); libuv keeps receiving.
    func udpDidFail(status: Int32)
}

/// A `uv_udp_t` over a descriptor we created and configured (`uv_udp_open`): libuv 1.44
/// cannot set SO_REUSEPORT, so sockets are made with `Socket` and handed over. The
/// handle owns the descriptor from then on (`uv_close` closes it). libuv 1.44's UDP
/// handle also carries AF_UNIX datagram sockets (it sends with `sockaddr_un` lengths).
/// Note: `uv_udp_open` sets SO_REUSEADDR on the descriptor; callers that do not want it
/// (asyncio 3.13 never sets it on datagram sockets) restore the option afterwards.
final class UVUDP: UVHandle {
    private var receiver: (any UVUDPReceiver)?
    private(set) var isReceiving = false

    /// Wraps `descriptor`; on failure the descriptor is still the caller's to close.
    init(loop: UVLoop, descriptor: Int32, label: String = "udp transport") throws(OSError) {
        super.init(size: MemoryLayout<uv_udp_t>.size, label: label)
        uv_udp_init(loop.raw, udp)
        registered()
        try adopted(uv_udp_open(udp, descriptor), "uv_udp_open")
    }

    private var udp: UnsafeMutablePointer<uv_udp_t> { pointer.assumingMemoryBound(to: uv_udp_t.self) }

    /// Bytes queued in `uv_udp_send` requests that the kernel has not taken yet.
    var sendQueueSize: Int { isCloseRequested ? 0 : uv_udp_get_send_queue_size(udp) }

    /// Number of queued `uv_udp_send` requests.
    var sendQueueCount: Int { isCloseRequested ? 0 : uv_udp_get_send_queue_count(udp) }

    /// Starts receiving; returns a libuv status.
    @discardableResult
    func startReceiving(_ receiver: any UVUDPReceiver) -> Int32 {
        guard !isCloseRequested else { return UV_EBADF.rawValue }
        self.receiver = receiver
        guard !isReceiving else { return 0 }
        let status = uv_udp_recv_start(udp, { handle, suggested, buf in
            let owner = UVHandle.owner(handle, as: UVUDP.self)
            let buffer = owner.receiver?.udpAllocate(suggestedSize: suggested)
                ?? UnsafeMutableRawBufferPointer(start: nil, count: 0)
            buf!.pointee = uv_buf_init(buffer.baseAddress?.assumingMemoryBound(to: CChar.self),
                                       UInt32(clamping: buffer.count))
        }, { handle, nread, _, address, _ in
            let owner = UVHandle.owner(handle, as: UVUDP.self)
            guard let receiver = owner.receiver else { return }
            if nread < 0 {
                receiver.udpDidFail(status: Int32(nread))
            } else if let address {
                receiver.udpDidReceive(nread, from: UVUDP.senderAddress(address))
            }
            // nread == 0 with no address: nothing to read (EAGAIN), not an empty datagram.
        })
        if status == 0 { isReceiving = true }
        return status
    }

    /// The sender libuv reports. libuv passes no length: for IP the family implies it; a
    /// Unix sender's path is taken up to its last non-NUL byte (libuv zeroes the storage
    /// first), and an unnamed sender (an unbound socket) is nil.
    private static func senderAddress(_ address: UnsafePointer<sockaddr>) -> SocketAddress? {
        guard Int32(address.pointee.sa_family) == AF_UNIX else {
            return SocketAddress(address, length: socklen_t(MemoryLayout<sockaddr_storage>.size))
        }
        let pathOffset = MemoryLayout<sockaddr_un>.offset(of: \.sun_path)!
        let path = UnsafeRawBufferPointer(start: UnsafeRawPointer(address) + pathOffset,
                                          count: MemoryLayout<sockaddr_un>.size - pathOffset)
        guard let last = path.lastIndex(where: { $0 != 0 }) else { return nil }
        // A named path ends at its first NUL; an abstract name (leading NUL) at its last byte.
        let end = path[0] != 0 ? (path.firstIndex(of: 0) ?? path.count) : last + 1
        return SocketAddress(address, length: socklen_t(pathOffset + end))
    }

    func stopReceiving() {
        guard isReceiving, !isCloseRequested else { return }
        isReceiving = false
        uv_udp_recv_stop(udp)
    }

    /// `uv_udp_try_send` of one datagram: 0 once sent, `-EAGAIN` when the socket would
    /// block or sends are queued, else the libuv status of the failure.
    func trySend(_ bytes: UnsafeRawBufferPointer, to address: SocketAddress?) -> Int32 {
        var buf = uv_buf_init(UnsafeMutableRawPointer(mutating: bytes.baseAddress)?.assumingMemoryBound(to: CChar.self),
                              UInt32(bytes.count))
        let udp = self.udp
        let result: Int32
        if let address {
            result = address.withSockAddr { sockaddr, _ in uv_udp_try_send(udp, &buf, 1, sockaddr) }
        } else {
            result = uv_udp_try_send(udp, &buf, 1, nil)
        }
        return min(result, 0)
    }

    /// Queues a `uv_udp_send` of a copy of `bytes`; returns 0 or the libuv status of the
    /// failure. `completion` runs once with the send's status (`-ECANCELED` when the handle
    /// closes first), always from a later libuv callback.
    func send(copying bytes: UnsafeRawBufferPointer, to address: SocketAddress?,
              completion: @escaping (Int32) -> Void) -> Int32 {
        UVUDPSendRequest(copying: bytes, completion: completion).submit(on: udp, to: address)
    }

    override func willClose() {
        isReceiving = false
        receiver = nil
    }
}

/// One `uv_udp_send_t` with the datagram it sends (copied once, at submission).
final class UVUDPSendRequest: UVRequest<uv_udp_send_t> {
    private let storage: UnsafeMutableRawBufferPointer
    private let count: Int

    init(copying bytes: UnsafeRawBufferPointer, completion: @escaping (Int32) -> Void) {
        count = bytes.count
        storage = .allocate(byteCount: max(bytes.count, 1), alignment: 16)
        if bytes.count > 0 { storage.baseAddress!.copyMemory(from: bytes.baseAddress!, byteCount: bytes.count) }
        super.init(completion: completion)
    }

    deinit { storage.deallocate() }

    func submit(on udp: UnsafeMutablePointer<uv_udp_t>, to address: SocketAddress?) -> Int32 {
        var buf = uv_buf_init(storage.baseAddress!.assumingMemoryBound(to: CChar.self), UInt32(count))
        let callback: uv_udp_send_cb = { raw, status in
            UVRequest<uv_udp_send_t>.complete(raw!.pointee.data, status)
        }
        return submit { request, data in
            request.pointee.data = data
            guard let address else { return uv_udp_send(request, udp, &buf, 1, nil, callback) }
            return address.withSockAddr { sockaddr, _ in uv_udp_send(request, udp, &buf, 1, sockaddr, callback) }
        }
    }
}
