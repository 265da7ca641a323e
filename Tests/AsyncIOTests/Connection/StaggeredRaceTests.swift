@testable import AsyncIO
import Glibc
import XCTest

private struct AttemptError: Error, Equatable { var index: Int }

final class StaggeredRaceTests: XCTestCase {
    // CPython: test_staggered.StaggeredTests.test_empty
    func testEmpty() {
        runLoopTest { loop, _ in
            let result = try await staggeredRace(count: 0, delay: nil, loop: loop) { _ in "never" }
            XCTAssertNil(result.winner)
            XCTAssertNil(result.winnerIndex)
            XCTAssertTrue(result.errors.isEmpty)
        }
    }

    // CPython: test_staggered.StaggeredTests.test_one_successful
    func testOneSuccessful() {
        runLoopTest { loop, _ in
            let result = try await staggeredRace(count: 2, delay: nil, loop: loop) { "Res: \($0)" }
            XCTAssertEqual(result.winner, "Res: 0")
            XCTAssertEqual(result.winnerIndex, 0)
            XCTAssertEqual(result.errors.count, 1)
            XCTAssertNil(result.errors[0])
        }
    }

    // CPython: test_staggered.StaggeredTests.test_first_error_second_successful
    func testFirstErrorSecondSuccessful() {
        runLoopTest { loop, _ in
            let result = try await staggeredRace(count: 2, delay: nil, loop: loop) { index in
                if index == 0 { throw AttemptError(index: 0) }
                return "Res: \(index)"
            }
            XCTAssertEqual(result.winner, "Res: 1")
            XCTAssertEqual(result.winnerIndex, 1)
            XCTAssertEqual(result.errors.count, 2)
            XCTAssertEqual(result.errors[0] as? AttemptError, AttemptError(index: 0))
            XCTAssertNil(result.errors[1])
        }
    }

    // CPython: test_staggered.StaggeredTests.test_first_timeout_second_successful
    func testFirstSlowSecondSuccessfulAfterTheDelay() {
        runLoopTest { loop, _ in
            let start = loop.time()
            let result = try await staggeredRace(count: 2, delay: .milliseconds(100), loop: loop) { index in
                if index == 0 { try await loop.sleep(.seconds(3600)) }
                return "Res: \(index)"
            }
            XCTAssertEqual(result.winner, "Res: 1")
            XCTAssertEqual(result.winnerIndex, 1)
            XCTAssertTrue(result.errors[0] is CancellationError)
            XCTAssertNil(result.errors[1])
            XCTAssertGreaterThanOrEqual(loop.time() - start, 0.1)
        }
    }

    // CPython: test_staggered.StaggeredTests.test_none_successful
    func testNoneSuccessful() {
        runLoopTest { loop, _ in
            let result = try await staggeredRace(count: 2, delay: nil, loop: loop) { (index: Int) -> String in
                throw AttemptError(index: index)
            }
            XCTAssertNil(result.winner)
            XCTAssertNil(result.winnerIndex)
            XCTAssertEqual(result.errors.map { $0 as? AttemptError }, [AttemptError(index: 0), AttemptError(index: 1)])
        }
    }

    // A failure starts the next attempt at once, without waiting for the delay.
    func testFailureStartsTheNextAttemptBeforeTheDelay() {
        runLoopTest { loop, _ in
            let result = try await withTimeout(.seconds(10)) {
                try await staggeredRace(count: 3, delay: .seconds(3600), loop: loop) { index in
                    if index < 2 { throw AttemptError(index: index) }
                    return "third"
                }
            }
            XCTAssertEqual(result.winnerIndex, 2)
            XCTAssertEqual(result.winner, "third")
        }
    }

    // A result that arrives after the winner was chosen is handed back for cleanup.
    func testResultOfALateLoserIsDiscarded() {
        runLoopTest { loop, _ in
            let discarded = Box([String]())
            let result = try await staggeredRace(
                count: 3, delay: .zero, loop: loop, discardLoser: { discarded.value.append($0) }
            ) { index in
                switch index {
                case 0:
                    try await loop.sleep(.seconds(3600))
                    return "slow"
                case 1:
                    try await loop.sleep(.milliseconds(5))
                    return "fast"
                default:
                    // Ignores its cancellation and succeeds after the winner was chosen.
                    try? await loop.sleep(.milliseconds(50))
                    return "stubborn"
                }
            }
            XCTAssertEqual(result.winner, "fast")
            XCTAssertEqual(result.winnerIndex, 1)
            XCTAssertEqual(discarded.value, ["stubborn"])
            XCTAssertEqual(result.errors.count, 3)
            XCTAssertTrue(result.errors[0] is CancellationError)
        }
    }

    func testCancellingTheCallerCancelsEveryAttempt() {
        runLoopTest { loop, _ in
            let cancelled = Box(0)
            let race = loop.createTask {
                try await staggeredRace(count: 2, delay: .milliseconds(1), loop: loop) { index in
                    do {
                        try await loop.sleep(.seconds(3600))
                    } catch {
                        cancelled.value += 1
                        throw error
                    }
                    return index
                }
            }
            try await loop.sleep(.milliseconds(20))
            race.cancel()
            let outcome = await race.result
            XCTAssertThrowsError(try outcome.get()) { XCTAssertTrue($0 is CancellationError) }
            try await loop.sleep(.milliseconds(5))
            XCTAssertEqual(cancelled.value, 2)
        }
    }
}

final class AddressInterleavingTests: XCTestCase {
    private func info(_ host: String) -> AddressInfo {
        let address = try! SocketAddress(host: host, port: 80)
        return AddressInfo(family: address.family, type: Int32(SOCK_STREAM.rawValue), proto: 6, address: address)
    }

    // CPython: test_base_events.BaseEventLoopTests.test__interleave_addrinfos (the cases
    // of _interleave_addrinfos with first_address_family_count 1 and 2)
    func testInterleavingMatchesAsyncio() {
        let v6a = info("::1"), v6b = info("::2"), v4a = info("127.0.0.1"), v4b = info("127.0.0.2")
        let input = [v6a, v6b, v4a, v4b]
        XCTAssertEqual(interleaveAddressInfos(input, firstAddressFamilyCount: 1), [v6a, v4a, v6b, v4b])
        XCTAssertEqual(interleaveAddressInfos(input, firstAddressFamilyCount: 2), [v6a, v6b, v4a, v4b])
        let v6c = info("::3")
        XCTAssertEqual(interleaveAddressInfos([v6a, v6b, v6c, v4a, v4b], firstAddressFamilyCount: 2),
                       [v6a, v6b, v4a, v6c, v4b])
        XCTAssertEqual(interleaveAddressInfos([v4a, v6a, v4b, v6b]), [v4a, v6a, v4b, v6b])
        XCTAssertEqual(interleaveAddressInfos([]), [])
    }
}
