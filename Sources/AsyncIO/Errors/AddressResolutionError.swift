import Glibc

/// The resolver failed: asyncio's `socket.gaierror`. `code` is the C library's `EAI_*`
/// value (`EAI_NONAME`, `EAI_AGAIN`, ...), `message` its text.
public struct AddressResolutionError: Error, Sendable, CustomStringConvertible {
    /// The `EAI_*` code.
    public var code: Int32
    /// The resolver's message, e.g. "Name or service not known".
    public var message: String
    /// The host that was being resolved, if any.
    public var host: String?

    /// An error with the C library's message for `code`.
    public init(code: Int32, host: String? = nil) {
        self.init(code: code, message: String(cString: gai_strerror(code)), host: host)
    }

    /// An error with an explicit message.
    public init(code: Int32, message: String, host: String? = nil) {
        self.code = code
        self.message = message
        self.host = host
    }

    /// Python's form: `[Errno -2] Name or service not known`.
    public var description: String {
        if let host { return "[Errno \(code)] \(message) (resolving '\(host)')" }
        return "[Errno \(code)] \(message)"
    }
}
