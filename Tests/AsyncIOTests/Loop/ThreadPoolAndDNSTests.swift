@testable import AsyncIO
import Glibc
import XCTest

final class ThreadPoolAndDNSTests: XCTestCase {
    // CPython: test_base_events.BaseEventLoopTests.test_run_in_executor
    func testRunInExecutorRunsOffTheLoopSeveralAtOnce() {
        runLoopTest { loop, _ in
            let running = Locked((now: 0, peak: 0))
            let results = try await withThrowingTaskGroup(of: Bool.self) { group in
                for _ in 0..<4 {
                    group.addTask {
                        try await loop.runInExecutor { () -> Bool in
                            running.withLock { $0.now += 1; $0.peak = max($0.peak, $0.now) }
                            // Wait (bounded) until a second job runs beside this one.
                            let deadline = Date().addingTimeInterval(5)
                            while running.current.peak < 2, Date() < deadline { usleep(1000) }
                            running.withLock { $0.now -= 1 }
                            return EventLoop.current == nil
                        }
                    }
                }
                var results: [Bool] = []
                for try await result in group { results.append(result) }
                return results
            }
            XCTAssertEqual(results, [true, true, true, true])
            XCTAssertGreaterThanOrEqual(running.current.peak, 2)
        }
    }

    func testRunInExecutorRethrows() {
        struct Boom: Error {}
        runLoopTest { loop, _ in
            do {
                _ = try await loop.runInExecutor { () throws -> Int in throw Boom() }
                XCTFail("expected an error")
            } catch is Boom {}
        }
    }

    // CPython: test_base_events.BaseEventLoopTests.test_getaddrinfo (via the resolver)
    func testGetAddrInfoLocalhostIsLoopback() {
        runLoopTest { loop, _ in
            let answers = try await loop.getAddrInfo(host: "localhost", port: 80, type: Int32(SOCK_STREAM.rawValue))
            XCTAssertFalse(answers.isEmpty)
            for answer in answers {
                XCTAssertTrue(["127.0.0.1", "::1"].contains(answer.address.host), "\(answer)")
                XCTAssertEqual(answer.address.port, 80)
                XCTAssertEqual(answer.type, Int32(SOCK_STREAM.rawValue))
            }
            XCTAssertEqual(loop.resolverRequestCount, 1)
        }
    }

    // CPython: test_base_events.BaseEventLoopTests.test_ipaddr_info (literal addresses)
    func testLiteralAddressesSkipTheResolver() {
        runLoopTest { loop, _ in
            let v6 = try await loop.getAddrInfo(host: "::1", port: 8080, type: Int32(SOCK_STREAM.rawValue))
            XCTAssertEqual(v6.map(\.description), ["(10, 1, 6, '', ('::1', 8080, 0, 0))"])
            let v4 = try await loop.getAddrInfo(host: "127.0.0.1", port: 53)
            XCTAssertEqual(v4.map(\.type), [Int32(SOCK_STREAM.rawValue), Int32(SOCK_DGRAM.rawValue), Int32(SOCK_RAW.rawValue)])
            XCTAssertEqual(loop.resolverRequestCount, 0)
        }
    }

    func testUnresolvableNameThrowsAddressResolutionError() {
        runLoopTest { loop, _ in
            do {
                // AI_NUMERICHOST: the resolver rejects the name without any network query.
                _ = try await loop.getAddrInfo(host: "no-such-host.invalid", port: 80, flags: AI_NUMERICHOST)
                XCTFail("expected AddressResolutionError")
            } catch let error as AddressResolutionError {
                XCTAssertEqual(error.code, EAI_NONAME)
                XCTAssertEqual(error.message, "Name or service not known")
            }
            XCTAssertEqual(loop.resolverRequestCount, 1)
        }
    }

    func testGetNameInfo() {
        runLoopTest { loop, _ in
            let address = try SocketAddress(ipv4: "127.0.0.1", port: 22)
            let (host, service) = try await loop.getNameInfo(address, flags: NI_NUMERICHOST | NI_NUMERICSERV)
            XCTAssertEqual(host, "127.0.0.1")
            XCTAssertEqual(service, "22")
        }
    }
}
