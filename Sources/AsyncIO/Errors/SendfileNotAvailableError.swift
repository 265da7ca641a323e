/// `sendfile(2)` cannot be used for this socket and file (the file is not a regular file,
/// or the system call refused the pair): asyncio's `SendfileNotAvailableError`.
///
/// `EventLoop.sockSendFile(_:file:offset:count:fallback:)` throws it only with
/// `fallback: false`; with `fallback: true` it copies with read and send instead.
public struct SendfileNotAvailableError: Error, Sendable, CustomStringConvertible {
    /// Why sendfile is not available.
    public var message: String

    /// An error with `message`.
    public init(_ message: String) { self.message = message }

    /// The message: why the system call cannot be used.
    public var description: String { message }
}
