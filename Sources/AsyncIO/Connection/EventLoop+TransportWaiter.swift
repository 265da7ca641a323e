extension EventLoop {
    /// asyncio's "make the transport, then `await waiter`" of `_create_connection_transport`,
    /// `_create_datagram_endpoint` and their TLS form: `make` builds the transport over
    /// `socket` and hands the waiter to whoever resumes it (the transport, once the
    /// protocol's `connectionMade` ran; the TLS layer, once the handshake is done). If the
    /// wait fails (a failed handshake, cancellation), the transport is closed, or the
    /// socket when `make` threw before a transport owned it, and the error is rethrown.
    nonisolated(nonsending) func makeTransportAndWait<T: BaseTransport>(
        over socket: Socket, _ make: (LoopWaiter<Void>) throws -> T
    ) async throws -> T {
        var transport: T?
        do {
            try await suspend { (waiter: LoopWaiter<Void>) in
                transport = try make(waiter)
            }
        } catch {
            if let transport { transport.close() } else { socket.close() }
            throw error
        }
        // `suspend` returns only after `start` ran, and `start` either made it or threw.
        return transport!
    }
}
