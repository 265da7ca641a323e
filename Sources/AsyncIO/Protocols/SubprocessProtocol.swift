/// A protocol for a child process and its pipes: asyncio's `SubprocessProtocol`.
public protocol SubprocessProtocol: BaseProtocol {
    /// The process started (asyncio's `connection_made`).
    func connectionMade(_ transport: any SubprocessTransport)

    /// The child wrote `data` to its stdout (fd 1) or stderr (fd 2).
    func pipeDataReceived(fd: Int32, data: [UInt8])

    /// One of the child's pipes closed.
    func pipeConnectionLost(fd: Int32, error: (any Error)?)

    /// The child exited (asyncio's `process_exited`).
    func processExited()
}

extension SubprocessProtocol {
    /// Default: does nothing.
    public func connectionMade(_ transport: any SubprocessTransport) {}
    /// Default: does nothing.
    public func pipeDataReceived(fd: Int32, data: [UInt8]) {}
    /// Default: does nothing.
    public func pipeConnectionLost(fd: Int32, error: (any Error)?) {}
    /// Default: does nothing.
    public func processExited() {}
}
