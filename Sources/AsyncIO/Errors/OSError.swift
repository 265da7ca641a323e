import Glibc

/// A failed system call, asyncio's `OSError` (and its subclasses such as
/// `ConnectionRefusedError`, which here are the same type with another `errno`).
///
/// `message` names the operation and, where there is one, the address, as asyncio's
/// messages do: `Connect call failed ('127.0.0.1', 1)`.
public struct OSError: Error, Sendable, CustomStringConvertible, Equatable {
    /// The C `errno` value (`ECONNREFUSED`, `EADDRINUSE`, ...); the predicates below
    /// (`isConnectionRefused`, `isAddressInUse`, ...) test it by name.
    public var errno: Int32
    /// What failed, and why.
    public var message: String

    /// An error with an explicit message.
    public init(errno: Int32, message: String) {
        self.errno = errno
        self.message = message
    }

    /// An error for `operation` with the system's text for `errno` appended.
    public init(errno: Int32, operation: String) {
        self.errno = errno
        self.message = "\(operation): \(OSError.strerror(errno))"
    }

    /// An error for a file that could not be used, in Python's form for an `OSError` with
    /// a filename: `[Errno 2] No such file or directory: '/x.pem'`.
    public init(errno: Int32, path: String) {
        self.init(errno: errno, message: "\(OSError.strerror(errno)): '\(path)'")
    }

    /// The system's text for an errno value.
    public static func strerror(_ errno: Int32) -> String {
        String(cString: Glibc.strerror(errno))
    }

    /// Python's form: `[Errno 111] Connect call failed ('127.0.0.1', 1)`.
    public var description: String { "[Errno \(errno)] \(message)" }
}

extension OSError {
    /// A failed bind of `address`, as asyncio words it in `create_server` and
    /// `create_connection(local_addr=)`: "error while attempting to bind on address
    /// ('127.0.0.1', 8080): [errno 98] address already in use" (Python's
    /// `str(err).lower()`, errno prefix included). Keeps `errno` for matching.
    static func bindFailure(errno: Int32, address: SocketAddress) -> OSError {
        let cause = OSError(errno: errno, message: strerror(errno)).description.lowercased()
        return OSError(errno: errno, message: "error while attempting to bind on address \(address): \(cause)")
    }
}

/// What kind of failure an `OSError` is, by `errno`, so handlers need no C constants:
/// `catch let error as OSError where error.isConnectionReset`. Python raises a subclass
/// of `OSError` for these codes (PEP 3151); each predicate names the class it stands for
/// and is true exactly for the codes Python maps to that class on Linux.
extension OSError {
    /// `ConnectionResetError`: `ECONNRESET`, the peer reset the connection.
    public var isConnectionReset: Bool { errno == ECONNRESET }
    /// `ConnectionRefusedError`: `ECONNREFUSED`, nothing listens at the address.
    public var isConnectionRefused: Bool { errno == ECONNREFUSED }
    /// `ConnectionAbortedError`: `ECONNABORTED`, the connection was aborted locally
    /// (typically before `accept` took it).
    public var isConnectionAborted: Bool { errno == ECONNABORTED }
    /// `BrokenPipeError`: `EPIPE` or `ESHUTDOWN`, a write after the peer (or this side)
    /// closed its end.
    public var isBrokenPipe: Bool { errno == EPIPE || errno == ESHUTDOWN }
    /// `ConnectionError`, the parent of the four above: any of their codes.
    public var isConnectionError: Bool {
        isConnectionReset || isConnectionRefused || isConnectionAborted || isBrokenPipe
    }
    /// `TimeoutError` (the OS's, not `withTimeout`'s): `ETIMEDOUT`, the peer stopped
    /// answering.
    public var isTimedOut: Bool { errno == ETIMEDOUT }
    /// `EADDRINUSE`: the address is bound by another socket (Python has no subclass;
    /// it is a plain `OSError` with `errno.EADDRINUSE`).
    public var isAddressInUse: Bool { errno == EADDRINUSE }
    /// `BlockingIOError`: `EAGAIN`/`EWOULDBLOCK`, `EINPROGRESS` or `EALREADY`, the
    /// operation would block a non-blocking descriptor.
    public var isWouldBlock: Bool {
        errno == EAGAIN || errno == EWOULDBLOCK || errno == EINPROGRESS || errno == EALREADY
    }
    /// `InterruptedError`: `EINTR`, a signal interrupted the call.
    public var isInterrupted: Bool { errno == EINTR }
    /// `FileNotFoundError`: `ENOENT`, no such file or directory (also a Unix socket path
    /// that does not exist).
    public var isFileNotFound: Bool { errno == ENOENT }
    /// `FileExistsError`: `EEXIST`.
    public var isFileExists: Bool { errno == EEXIST }
    /// `PermissionError`: `EACCES` or `EPERM` (binding a port below 1024 without the
    /// privilege, a Unix socket path without access).
    public var isPermissionDenied: Bool { errno == EACCES || errno == EPERM }
    /// `ProcessLookupError`: `ESRCH`, no such process (`sendSignal` after the child exited).
    public var isProcessLookupFailure: Bool { errno == ESRCH }
}
