/// Every connection attempt failed, with `allErrors: true`: asyncio 3.12's
/// `ExceptionGroup("create_connection failed", exceptions)`.
public struct ConnectionAttemptsError: Error, @unchecked Sendable, CustomStringConvertible {
    /// Each attempt's error, in the order the attempts were made.
    public var errors: [any Error]

    /// An error holding every attempt's error.
    public init(errors: [any Error]) {
        self.errors = errors
    }

    /// asyncio's combined message: how many attempts failed, then each one's error.
    public var description: String {
        "create_connection failed (\(errors.count) sub-exception\(errors.count == 1 ? "" : "s")): "
            + errors.map { "\($0)" }.joined(separator: "; ")
    }
}
