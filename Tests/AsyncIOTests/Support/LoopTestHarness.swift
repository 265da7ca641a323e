@testable import AsyncIO
import XCTest

/// Records what reaches a loop's exception handler during a test.
final class ExceptionRecorder: @unchecked Sendable {
    var contexts: [ExceptionContext] = []
}

/// Runs `body` as a task on a fresh loop, then checks what libuv's test suite and
/// uvloop's tearDown check: the loop closes cleanly, no libuv handle is left open, and
/// the exception handler was not called unless the test said it expects that.
///
/// A watchdog stops the loop after `timeout`, so a hung test fails instead of hanging CI.
func runLoopTest(
    timeout: Duration = .seconds(60),
    expectExceptions: Bool = false,
    file: StaticString = #filePath, line: UInt = #line,
    _ body: @escaping (isolated EventLoop, ExceptionRecorder) async throws -> Void
) {
    // The test's thread runs the loop until the body is done: the body and what it
    // captures are used on that one thread (as in `EventLoop.run`).
    nonisolated(unsafe) let body = body
    let loop: EventLoop
    do {
        loop = try EventLoop()
    } catch {
        XCTFail("creating a loop: \(error)", file: file, line: line)
        return
    }
    let recorder = ExceptionRecorder()
    loop.setExceptionHandler { _, context in recorder.contexts.append(context) }
    let watchdog = loop.scheduleLater(timeout) { [unowned loop] in loop.stop() }
    do {
        try loop.runUntilComplete { loop in try await body(loop, recorder) }
    } catch EventLoopError.stoppedBeforeCompletion {
        XCTFail("test did not finish within \(timeout)", file: file, line: line)
    } catch {
        XCTFail("test threw \(error)", file: file, line: line)
    }
    watchdog.cancel()
    // Let close callbacks and callbacks scheduled by the test's last steps run.
    _ = try? loop.runUntilComplete { loop in
        for _ in 0..<3 { try await loop.sleep(.zero) }
    }
    let leaked = loop.liveHandleLabels()
    XCTAssertEqual(leaked, [], "libuv handles left open", file: file, line: line)
    // Before the check below: a task that outlives its cancellation is reported there.
    loop.cancelLeftoverTasks()
    if !expectExceptions {
        XCTAssertEqual(recorder.contexts.map(\.description), [],
                       "unexpected calls of the exception handler", file: file, line: line)
    }
    do {
        try loop.close()
    } catch {
        XCTFail("closing the loop: \(error)", file: file, line: line)
    }
}

/// A lock-protected value for tests that touch state from several threads.
final class Locked<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Value
    init(_ value: Value) { self.value = value }
    func withLock<R>(_ body: (inout Value) throws -> R) rethrows -> R {
        lock.lock()
        defer { lock.unlock() }
        return try body(&value)
    }
    var current: Value { withLock { $0 } }
}

/// Loop-thread state shared between a test and the tasks and callbacks it starts.
/// Every access happens on the loop thread; the compiler cannot see that, hence the box.
final class Box<Value>: @unchecked Sendable {
    var value: Value
    init(_ value: Value) { self.value = value }
}
