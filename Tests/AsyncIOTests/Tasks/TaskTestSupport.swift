@testable import AsyncIO
import XCTest

/// The names of the errors in `group` (CPython's `get_error_types`), for `TestError`s
/// named after CPython's (ZeroDivisionError, ValueError, MyExc, …); a nested group counts
/// as "ExceptionGroup".
func errorNames(_ group: ExceptionGroup) -> Set<String> {
    Set(group.errors.map { ($0 as? TestError)?.name ?? ($0 is ExceptionGroup ? "ExceptionGroup" : "\($0)") })
}

/// A task's outcome (it must have finished, or this waits for it).
func outcome<T: Sendable>(_ task: Task<T, any Error>) async -> Result<T, any Error> {
    await task.result
}

extension Result {
    /// Whether this is a failure with `CancellationError` (asyncio's `task.cancelled()`).
    var isCancellation: Bool {
        if case .failure(let error) = self { return error is CancellationError }
        return false
    }
}
