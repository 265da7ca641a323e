/// A socket operation that the loop refuses because of how it was called, not because a
/// system call failed: asyncio raises `RuntimeError` or `ValueError` for these.
public enum SocketUsageError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The descriptor belongs to a transport or server; the loop's `sock*` methods and
    /// `addReader`/`addWriter` must not touch it (asyncio's `_ensure_fd_no_transport`,
    /// a `RuntimeError`).
    case usedByTransport(fd: Int32)
    /// In debug mode, a blocking socket was passed to a `sock*` method (asyncio's
    /// `ValueError("the socket must be non-blocking")`).
    case blockingSocket(fd: Int32)
    /// Another operation registered for the same direction on the same descriptor (a
    /// second concurrent `sockRecv`, say) and replaced this one. asyncio leaves the
    /// replaced operation waiting forever; here it fails with this error.
    case replacedByAnotherOperation(fd: Int32)
    /// An argument asyncio rejects with `ValueError` (a negative sendfile offset, a
    /// datagram socket for `sockSendFile`, ...).
    case invalidArgument(String)

    /// What was wrong, in asyncio's words where it has them.
    public var description: String {
        switch self {
        case .usedByTransport(let fd): "File descriptor \(fd) is used by transport"
        case .blockingSocket: "the socket must be non-blocking"
        case .replacedByAnotherOperation(let fd):
            "another operation on file descriptor \(fd) replaced this one while it waited"
        case .invalidArgument(let message): message
        }
    }
}
