@testable import AsyncIO
import Glibc
import XCTest

final class SignalAndExceptionTests: XCTestCase {
    // CPython: test_unix_events.SelectorEventLoopSignalTests.test_add_signal_handler
    func testSignalHandlerRunsOnTheLoop() {
        runLoopTest { loop, _ in
            let got = loop.createFuture(of: Bool.self)
            try loop.addSignalHandler(SIGUSR1) {
                if !got.isDone { try got.setResult(loop.isOnLoopThread) }
            }
            raise(SIGUSR1)
            let onLoop = try await withTimeout(.seconds(10)) { try await got.value }
            XCTAssertTrue(onLoop)
            XCTAssertTrue(loop.removeSignalHandler(SIGUSR1))
            XCTAssertFalse(loop.removeSignalHandler(SIGUSR1))
        }
    }

    // CPython: test_unix_events.SelectorEventLoopSignalTests.test_add_signal_handler_install_error
    func testUncatchableSignalIsAnError() {
        runLoopTest { loop, _ in
            XCTAssertThrowsError(try loop.addSignalHandler(SIGKILL) {}) { error in
                XCTAssertEqual((error as? OSError)?.errno, EINVAL)
            }
        }
    }

    // CPython: test_base_events.BaseEventLoopTests.test_default_exc_handler_callback
    func testErrorThrownInCallbackReachesTheHandlerAndTheLoopGoesOn() {
        struct Boom: Error {}
        runLoopTest(expectExceptions: true) { loop, recorder in
            var after = false
            let failing = loop.callSoon { throw Boom() }
            loop.callSoon { after = true }
            try await loop.sleep(.milliseconds(1))
            XCTAssertTrue(after)
            XCTAssertEqual(recorder.contexts.count, 1)
            XCTAssertTrue(recorder.contexts.first?.error is Boom)
            XCTAssertTrue(recorder.contexts.first?.handle === failing)
            XCTAssertTrue(recorder.contexts.first?.message.hasPrefix("Exception in callback") ?? false)
        }
    }

    // CPython: test_base_events.BaseEventLoopTests.test_set_exc_handler_invalid / default
    func testDefaultHandlerIsRestoredWithNil() {
        runLoopTest { loop, _ in
            var custom = 0
            loop.setExceptionHandler { _, _ in custom += 1 }
            loop.callExceptionHandler(ExceptionContext(message: "one"))
            let log = CapturedLog()
            loop.logger = log.logger
            loop.setExceptionHandler(nil)
            loop.callExceptionHandler(ExceptionContext(message: "logged by the default handler"))
            XCTAssertEqual(custom, 1)
            XCTAssertEqual(log.entries.map(\.level), [.error])
            XCTAssertTrue(log.entries.first?.message.contains("logged by the default handler") ?? false)
        }
    }

    // CPython: test_base_events.BaseEventLoopTests.test_slow_callback_duration (debug mode)
    func testDebugModeFlagsSlowCallbacks() {
        runLoopTest { loop, _ in
            let log = CapturedLog()
            loop.logger = log.logger
            loop.debug = true
            loop.slowCallbackDuration = .milliseconds(5)
            loop.callSoon { usleep(20_000) }
            loop.callSoon {}
            try await loop.sleep(.milliseconds(1))
            loop.debug = false
            let warnings = log.entries.filter { $0.level == .warning }
            XCTAssertEqual(warnings.count, 1, "\(log.entries)")
            XCTAssertTrue(warnings.first?.message.contains("took") ?? false)
        }
    }
}
