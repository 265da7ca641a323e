/// What a layer over a transport (the TLS layer) needs beyond `Transport`: closing it at
/// once with the error that ended the connection (asyncio's `_force_close(exc)`), so the
/// layer, which is the transport's protocol, hears that error in `connectionLost`. A
/// transport without it (a user's own) is closed with `abort()`.
protocol ForceClosableTransport: Transport {
    func forceClose(_ error: (any Error)?)
}
