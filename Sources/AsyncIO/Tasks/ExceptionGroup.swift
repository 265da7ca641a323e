/// Several errors thrown together: Python's `ExceptionGroup`, which `LoopTaskGroup`
/// throws with every error its tasks (and its body) ended with.
public struct ExceptionGroup: Error, Sendable, CustomStringConvertible {
    /// What the errors are about ("unhandled errors in a TaskGroup").
    public var message: String
    /// The errors, in the order they happened (a task group's body's own error last).
    public var errors: [any Error]

    /// A group of `errors` described by `message`.
    public init(_ message: String, _ errors: [any Error]) {
        self.message = message
        self.errors = errors
    }

    /// Python's `str(eg)`: "unhandled errors in a TaskGroup (2 sub-exceptions)".
    public var description: String {
        "\(message) (\(errors.count) sub-exception\(errors.count == 1 ? "" : "s"))"
    }

    /// The errors of this group and of the groups nested in it, flattened in order.
    public var leafErrors: [any Error] {
        errors.flatMap { error in (error as? ExceptionGroup)?.leafErrors ?? [error] }
    }
}
