/// What went wrong, for the loop's exception handler: asyncio's context dictionary.
public struct ExceptionContext: @unchecked Sendable, CustomStringConvertible {
    /// asyncio's `message`.
    public var message: String
    /// asyncio's `exception`.
    public var error: (any Error)?
    /// asyncio's `handle`: the callback that failed, if one did.
    public var handle: Handle?
    /// Further keys (asyncio's `transport`, `protocol`, `socket`, ...) as text.
    public var extra: [String: String]

    /// A context for `callExceptionHandler`.
    public init(message: String, error: (any Error)? = nil, handle: Handle? = nil, extra: [String: String] = [:]) {
        self.message = message
        self.error = error
        self.handle = handle
        self.extra = extra
    }

    /// The message, then the error, the handle and the extra keys (sorted), one per line:
    /// what the default exception handler logs.
    public var description: String {
        var text = message
        if let error { text += "\nexception: \(error)" }
        if let handle { text += "\nhandle: \(handle)" }
        for (key, value) in extra.sorted(by: { $0.key < $1.key }) { text += "\n\(key): \(value)" }
        return text
    }
}

extension EventLoop {
    /// Sets the handler for errors no caller can receive (a callback that threw, a
    /// failed accept); nil restores the default, which logs. asyncio's
    /// `set_exception_handler`.
    public nonisolated func setExceptionHandler(_ handler: ((EventLoop, ExceptionContext) -> Void)?) {
        exceptionHandler = handler
    }

    /// Reports an error through the loop's exception handler: asyncio's
    /// `call_exception_handler`. The loop keeps running.
    public nonisolated func callExceptionHandler(_ context: ExceptionContext) {
        if let exceptionHandler {
            exceptionHandler(self, context)
        } else {
            defaultExceptionHandler(context)
        }
    }

    /// Logs the context at error level: asyncio's `default_exception_handler`.
    public nonisolated func defaultExceptionHandler(_ context: ExceptionContext) {
        logger.error("\(context)")
    }
}
