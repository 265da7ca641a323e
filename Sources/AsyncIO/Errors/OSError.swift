import Glibc

/// A failed system call, asyncio's `OSError` (and its subclasses such as
/// `ConnectionRefusedError`, which here are the same type with another `errno`).
///
/// `message` names the operation and, where there is one, the address, as asyncio's
/// messages do: `Connect call failed ('127.0.0.1', 1)`.
public struct OSError: Error, Sendable, CustomStringConvertible, Equatable {
    /// The C `errno` value (`ECONNREFUSED`, `EADDRINUSE`, ...).
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
