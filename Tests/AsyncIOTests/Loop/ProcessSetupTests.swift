@testable import AsyncIO
import Glibc
import XCTest

final class ProcessSetupTests: XCTestCase {
    // CPython ignores SIGPIPE when it starts; a loop does it here.
    func testSIGPIPEIsIgnoredOnceALoopExists() throws {
        let loop = try EventLoop()
        var action = sigaction()
        sigaction(SIGPIPE, nil, &action)
        XCTAssertEqual(unsafeBitCast(action.__sigaction_handler.sa_handler, to: Int.self),
                       unsafeBitCast(SIG_IGN, to: Int.self))
        try loop.close()
    }
}
