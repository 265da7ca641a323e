import Glibc

extension DatagramSocketTransport {
    /// asyncio's `get_write_buffer_size()`: queued datagrams plus asyncio's 8-byte
    /// per-datagram estimate. (asyncio 3.13 adds the 8 bytes when it queues and forgets to
    /// subtract them when it sends, so its count creeps up; here it returns to 0.)
    var writeBufferSize: Int {
        handle.sendQueueSize + Self.datagramOverhead * handle.sendQueueCount
    }

    /// asyncio's `get_write_buffer_limits()`.
    var writeBufferLimits: (low: Int, high: Int) { (flow.limits.low, flow.limits.high) }

    /// asyncio's `set_write_buffer_limits(high, low)`; pauses the protocol at once if the
    /// buffer is already above the new high mark.
    func setWriteBufferLimits(high: Int?, low: Int?) throws {
        loop.assertOnLoopThread()
        flow.limits = try WriteBufferLimits(high: high, low: low)
        maybePauseProtocol()
    }

    func sendTo(_ data: [UInt8], address: SocketAddress?) throws {
        try data.withUnsafeBytes { try sendTo($0, address: address) }
    }

    /// asyncio's `sendto`: sends at once (`uv_udp_try_send`) when nothing is queued, else
    /// queues a copy. Empty datagrams are sent. Send errors reach `errorReceived`.
    func sendTo(_ data: UnsafeRawBufferPointer, address: SocketAddress?) throws {
        loop.assertOnLoopThread()
        let destination = try destination(for: address)
        if connectionLostCount > 0 {
            if connectionLostCount >= Self.connectionLostWriteLogThreshold {
                loop.logger.warning("socket.send() raised exception.")
            }
            connectionLostCount += 1
            return
        }
        if handle.sendQueueCount == 0 {
            let errno = handle.trySend(data, to: destination)
            if errno == 0 { return }
            if errno != EAGAIN {
                protocolObject.errorReceived(sendError(errno, destination))
                return
            }
        }
        let errno = handle.send(copying: data, to: destination) { [self] errno in
            sendCompleted(errno, destination)
        }
        if errno != 0 {
            protocolObject.errorReceived(sendError(errno, destination))
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

    private func sendError(_ errno: Int32, _ destination: SocketAddress?) -> OSError {
        if let destination { return OSError(errno: errno, operation: "sendto(\(destination))") }
        return OSError(errno: errno, operation: "send")
    }

    /// A queued send finished (or was cancelled because the handle closed).
    private func sendCompleted(_ errno: Int32, _ destination: SocketAddress?) {
        guard connectionLostCount == 0 else { return }
        if errno != 0 {
            if errno == ECANCELED { return }
            protocolObject.errorReceived(sendError(errno, destination))
        }
        maybeResumeProtocol()
        if isClosingFlag, handle.sendQueueCount == 0 {
            // The flush close() waited for is done (asyncio's _sendto_ready).
            connectionLostCount += 1
            closeHandle()
            callConnectionLost(nil)
        }
    }

    /// asyncio's `_maybe_pause_protocol`.
    func maybePauseProtocol() {
        if flow.shouldPause(bufferSize: writeBufferSize) { protocolObject.pauseWriting() }
    }

    /// asyncio's `_maybe_resume_protocol`.
    func maybeResumeProtocol() {
        if flow.shouldResume(bufferSize: writeBufferSize) { protocolObject.resumeWriting() }
    }
}
