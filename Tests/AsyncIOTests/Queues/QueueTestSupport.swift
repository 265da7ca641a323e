@testable import AsyncIO
import XCTest

/// Lets the loop run other ready work a few times (asyncio's `await asyncio.sleep(0)`,
/// repeated so a woken task surely ran). Never a timing assertion: tests wait for a
/// state with `waitUntil` when they need one.
func yieldToLoop(_ loop: isolated EventLoop, times: Int = 3) async throws {
    for _ in 0..<times { try await loop.sleep(.zero) }
}

/// Yields to the loop until `condition` holds.
func waitUntil(_ loop: isolated EventLoop, _ condition: () -> Bool) async throws {
    while !condition() { try await loop.sleep(.zero) }
}

/// Fails unless `body` throws an error of type `E` (XCTAssertThrowsError takes no async
/// expression).
nonisolated(nonsending) func assertThrowsAsync<E: Error>(
    _ type: E.Type, file: StaticString = #filePath, line: UInt = #line,
    _ body: nonisolated(nonsending) () async throws -> Void
) async {
    do {
        try await body()
        XCTFail("expected \(E.self), nothing was thrown", file: file, line: line)
    } catch is E {
    } catch {
        XCTFail("expected \(E.self), got \(error)", file: file, line: line)
    }
}

/// Starts `body` as a loop task and lets it run up to its first wait, as asyncio's eager
/// tasks start (AsyncIO has none, see docs/concurrency.md): a new task's first step
/// takes two trips through the ready queue.
func startedTask<T: Sendable>(
    _ loop: isolated EventLoop, _ body: nonisolated(nonsending) @escaping () async throws -> T
) async throws -> Task<T, any Error> {
    let task = loop.createTask(body)
    try await loop.sleep(.zero)
    try await loop.sleep(.zero)
    return task
}
