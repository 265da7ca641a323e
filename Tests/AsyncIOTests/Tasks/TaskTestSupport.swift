@testable import AsyncIO
import XCTest

/// The names of the errors in `group` (CPython's `get_error_types`), for `TestError`s
/// named after CPython's (ZeroDivisionError, ValueError, MyExc, …); a nested group counts
/// as "ExceptionGroup".
func errorNames(_ group: ExceptionGroup) -> Set<String> {
    Set(group.errors.map { ($0 as? TestError)?.name ?? ($0 is ExceptionGroup ? "ExceptionGroup" : "\($0)") })
}

/// Waits for `task` and fails unless it ended with `CancellationError` (asyncio's
/// `task.cancelled()`).
func assertEndsCancelled<T: Sendable>(
    _ task: Task<T, any Error>, file: StaticString = #filePath, line: UInt = #line
) async {
    let result = await task.result
    XCTAssertTrue(result.isCancellation, "\(result)", file: file, line: line)
}

extension Result {
    /// Whether this is a failure with `CancellationError` (asyncio's `task.cancelled()`).
    var isCancellation: Bool {
        if case .failure(let error) = self { return error is CancellationError }
        return false
    }
}

/// `error` as the `ExceptionGroup` a task group throws; a test failure if it is not one.
func exceptionGroup(_ error: (any Error)?, file: StaticString = #filePath, line: UInt = #line) throws -> ExceptionGroup {
    try XCTUnwrap(error as? ExceptionGroup, "\(String(describing: error))", file: file, line: line)
}
