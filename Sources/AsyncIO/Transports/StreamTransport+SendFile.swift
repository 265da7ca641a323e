import Glibc

/// `loop.sendFile`'s hold on a stream transport (asyncio's `_empty_waiter`, set by
/// `_make_empty_waiter`). While a native sendfile holds the socket the transport refuses
/// writes; in every case the transport tells the hold when its write buffer drains and,
/// before it closes its descriptor, that it is closing, so a sendfile waiting on the
/// descriptor stops polling it first.
final class SendfileHold {
    /// Whether `sendfile(2)` writes to the socket itself (the transport must not write).
    let ownsSocket: Bool
    /// The wait for the write buffer to drain.
    var drainWaiter: LoopWaiter<Void>?
    /// The wait for the socket to become writable, and the poll behind it.
    var writableWaiter: LoopWaiter<Void>?
    var watch: UVPoll?
    /// Set once the transport closed its descriptor.
    private(set) var closedError: (any Error)?

    init(ownsSocket: Bool) {
        self.ownsSocket = ownsSocket
    }

    func bufferDidDrain() {
        guard let waiter = drainWaiter else { return }
        drainWaiter = nil
        waiter.resume(returning: ())
    }

    /// The transport is about to close its descriptor: stop polling it, fail the waits.
    func transportWillClose() {
        guard closedError == nil else { return }
        // asyncio fails its empty waiter with ConnectionError("Connection is closed by peer").
        let error = OSError(errno: EPIPE, message: "Connection is closed by peer")
        closedError = error
        releaseWatch()
        drainWaiter?.resume(throwing: error)
        writableWaiter?.resume(throwing: error)
        drainWaiter = nil
        writableWaiter = nil
    }

    func releaseWatch() {
        watch?.close()
        watch = nil
    }
}

extension StreamTransport {
    /// Starts a `loop.sendFile` on this transport; nil if one is already running
    /// (asyncio: RuntimeError "Empty waiter is already set").
    func beginSendfile(ownsSocket: Bool) -> SendfileHold? {
        loop.assertOnLoopThread()
        guard sendfileHold == nil else { return nil }
        let hold = SendfileHold(ownsSocket: ownsSocket)
        sendfileHold = hold
        return hold
    }

    /// Ends it (asyncio's `_reset_empty_waiter`): the poll stops, writes are accepted again.
    func endSendfile(_ hold: SendfileHold) {
        hold.releaseWatch()
        if sendfileHold === hold { sendfileHold = nil }
    }

    /// Returns once every buffered byte went to the kernel (asyncio's `_make_empty_waiter`);
    /// throws if the transport closes first.
    nonisolated(nonsending) func waitUntilWriteBufferEmpty(_ hold: SendfileHold) async throws {
        try await loop.suspend { [self] (waiter: LoopWaiter<Void>) in
            if let error = hold.closedError {
                waiter.resume(throwing: error)
            } else if writeBufferSize == 0 {
                waiter.resume(returning: ())
            } else {
                hold.drainWaiter = waiter
                waiter.onCancel = { hold.drainWaiter = nil }
            }
        }
    }

    /// Returns once the socket is writable (or reports an error, which the next system
    /// call then reads). The poll handle is made once per sendfile: the stream handle is
    /// idle (reading paused, nothing queued), so the descriptor is free for it.
    nonisolated(nonsending) func waitUntilWritable(_ hold: SendfileHold) async throws {
        if let error = hold.closedError { throw error }
        if hold.watch == nil {
            hold.watch = try UVPoll(loop: loop.uv, socket: descriptor, label: "sendfile fd=\(descriptor)")
        }
        let watch = hold.watch!
        try await loop.suspend { (waiter: LoopWaiter<Void>) in
            hold.writableWaiter = waiter
            watch.onEvents = { [unowned watch] _, _ in
                watch.stop()
                hold.writableWaiter = nil
                waiter.resume(returning: ())
            }
            try watch.start(UVPoll.writable)
            waiter.onCancel = {
                watch.stop()
                hold.writableWaiter = nil
            }
        }
    }
}
