import Glibc

extension DatagramSocketTransport {
    /// asyncio's `get_write_buffer_size()`: queued datagrams plus asyncio's 8-byte
    /// per-datagram estimate. (asyncio 3.13 adds the 8 bytes when it queues and forgets to
    /// subtract them when it sends, so its count creeps up; here it returns to 0.)
    var writeBufferSize: Int {
        handle.sendQueueSize + Self.datagramOverhead * handle.sendQueueCount
    }

    func sendTo(_ data: [UInt8], address: SocketAddress?) throws {
        try data.withUnsafeBytes { try sendTo($0, address: address) }
    }

    /// asyncio's `sendto`: sends at once (`uv_udp_try_send`) when nothing is queued, else
    /// queues a copy. Empty datagrams are sent. Send errors reach `errorReceived`.
    func sendTo(_ data: UnsafeRawBufferPointer, address: SocketAddress?) throws {
        loop.assertOnLoopThread()
        let destination = try destination(for: address)
        // asyncio drops sends once the connection is lost, not while close() flushes.
        guard state.isConnected else {
            return lostWrites.dropWrite(loop, warning: "socket.send() raised exception.")
        }
        if handle.sendQueueCount == 0 {
            let status = handle.trySend(data, to: destination)
            if status == 0 { return }
            if status != -EAGAIN {
                slot.member.errorReceived(sendError(status, destination))
                return
            }
        }
        let status = handle.send(copying: data, to: destination) { [self] status in
            sendCompleted(status, destination)
        }
        if status != 0 {
            slot.member.errorReceived(sendError(status, destination))
            return
        }
        maybePauseProtocol()
    }

    /// The address libuv sends to: none on a connected socket (libuv refuses one), the
    /// fixed remote address of a broadcast endpoint, else the caller's.
    private func destination(for address: SocketAddress?) throws(InvalidArgumentError) -> SocketAddress? {
        if let remoteAddress {
            if let address, address != remoteAddress {
                throw InvalidArgumentError("Invalid address: must be None or \(remoteAddress)")
            }
            return peerName == nil ? remoteAddress : nil
        }
        guard let address else {
            // asyncio fails inside socket.sendto; say what is wrong instead.
            throw InvalidArgumentError("Invalid address: an unconnected endpoint needs a destination address")
        }
        return address
    }

    private func sendError(_ status: Int32, _ destination: SocketAddress?) -> OSError {
        OSError(uvStatus: status, operation: destination.map { "sendto(\($0))" } ?? "send")
    }

    /// A queued send finished (or was cancelled because the handle closed).
    private func sendCompleted(_ status: Int32, _ destination: SocketAddress?) {
        guard state.isConnected else { return }
        if status != 0 {
            if status == -ECANCELED { return }
            slot.member.errorReceived(sendError(status, destination))
        }
        maybeResumeProtocol()
        // The flush close() waited for is done (asyncio's _sendto_ready).
        if state == .closing, handle.sendQueueCount == 0 { finishClosing() }
    }
}
