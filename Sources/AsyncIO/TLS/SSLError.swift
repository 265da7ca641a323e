import COpenSSL

/// A TLS failure reported by OpenSSL: asyncio's (Python's) `ssl.SSLError`.
///
/// `library` and `reason` are OpenSSL's names for the first error on the thread's error
/// queue (`"SSL routines"`, `"wrong version number"`); `description` reads like
/// Python's: `[SSL] wrong version number (operation)`.
public struct SSLError: Error, Sendable, Equatable, CustomStringConvertible {
    /// OpenSSL's packed error code (`ERR_get_error()`), 0 when OpenSSL reported none.
    public var code: UInt
    /// OpenSSL's library name for the error, if it has one.
    public var library: String?
    /// OpenSSL's reason string (`ERR_reason_error_string`), or a summary.
    public var reason: String
    /// The call that failed ("SSL_do_handshake", "SSL_CTX_use_PrivateKey", ...).
    public var operation: String

    /// An error with the given fields (tests, and errors the layer itself detects).
    public init(code: UInt = 0, library: String? = nil, reason: String, operation: String) {
        self.code = code
        self.library = library
        self.reason = reason
        self.operation = operation
    }

    /// Python's `str(SSLError)` layout: library, reason, and the failed call.
    public var description: String {
        "[SSL\(library.map { ": \($0)" } ?? "")] \(reason) (\(operation))"
    }

    /// The oldest error on this thread's OpenSSL error queue, which is then cleared.
    static func fromQueue(operation: String) -> SSLError {
        let code = ERR_get_error()
        ERR_clear_error()
        guard code != 0 else { return SSLError(reason: "unknown error", operation: operation) }
        let library = ERR_lib_error_string(code).map { String(cString: $0) }
        let reason = ERR_reason_error_string(code).map { String(cString: $0) } ?? "error \(code)"
        return SSLError(code: code, library: library, reason: reason, operation: operation)
    }
}

/// The peer's certificate did not verify: Python's `ssl.SSLCertVerificationError`
/// (asyncio reports it as "SSL handshake failed on verifying the certificate").
public struct SSLCertVerificationError: Error, Sendable, Equatable, CustomStringConvertible {
    /// OpenSSL's verification result (`X509_V_ERR_…`, e.g. 62 for a hostname mismatch).
    public var verifyCode: Int
    /// OpenSSL's text for `verifyCode`, completed as Python does for hostname mismatches.
    public var verifyMessage: String

    /// An error for the verification result `verifyCode`.
    public init(verifyCode: Int, verifyMessage: String) {
        self.verifyCode = verifyCode
        self.verifyMessage = verifyMessage
    }

    /// Python's message: `[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: …`.
    public var description: String {
        "[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: \(verifyMessage)"
    }
}
