/// What every protocol receives from its transport: asyncio's `BaseProtocol`.
///
/// Transports call these on the loop thread. Each method has a default that does nothing.
/// Each protocol family declares its own `connectionMade`, typed with the transport it
/// gets (`any Transport`, `any DatagramTransport`, ...), where asyncio passes an untyped one.
public protocol BaseProtocol: AnyObject {
    /// The connection is gone: nil after a clean close or end of file, else the error
    /// (a reset, a failed write). Called exactly once, never from inside `close()` or
    /// `abort()`. asyncio's `connection_lost(exc)`.
    func connectionLost(_ error: (any Error)?)

    /// The transport's write buffer went above its high-water mark (asyncio's `pause_writing`).
    func pauseWriting()

    /// The write buffer drained to its low-water mark (asyncio's `resume_writing`).
    func resumeWriting()
}

extension BaseProtocol {
    /// Default: does nothing.
    public func connectionLost(_ error: (any Error)?) {}
    /// Default: does nothing.
    public func pauseWriting() {}
    /// Default: does nothing.
    public func resumeWriting() {}
}
