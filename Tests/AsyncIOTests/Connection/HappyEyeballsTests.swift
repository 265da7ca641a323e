@testable import AsyncIO
import Glibc
import XCTest

/// The connection algorithm of `createConnection` (sequential, staggered, interleaved),
/// with replaced resolution and connect steps, then once over real sockets.
final class HappyEyeballsTests: XCTestCase {
    private let v6a = streamInfo("2001:db8::a", 80)
    private let v6b = streamInfo("2001:db8::b", 80)
    private let v4a = streamInfo("192.0.2.1", 80)
    private let v4b = streamInfo("192.0.2.2", 80)

    private static func connect(
        _ loop: isolated EventLoop, _ infos: [AddressInfo], _ connector: FakeConnector,
        delay: Duration? = nil, interleave: Int? = nil, allErrors: Bool = false
    ) async throws -> Socket {
        try await loop.connectedSocket(
            host: "example.com", port: 80, family: AF_UNSPEC, proto: 0, flags: 0, localAddress: nil,
            happyEyeballsDelay: delay, interleave: interleave, allErrors: allErrors,
            steps: ConnectionSteps(resolve: tableResolver(["example.com": infos]), connect: connector.steps))
    }

    // The first address never answers, the second connects once the delay passed (RFC
    // 8305 section 5; CPython tests staggered_race alone: test_staggered.StaggeredTests).
    func testSecondAddressWinsWhileTheFirstHangs() {
        runLoopTest { [v4a, v4b] loop, _ in
            let connector = FakeConnector([v4a.address: .hang, v4b.address: .succeed])
            let socket = try await withTimeout(.seconds(10)) {
                try await HappyEyeballsTests.connect(loop, [v4a, v4b], connector, delay: .milliseconds(100))
            }
            XCTAssertTrue(socket === connector.sockets[v4b.address])
            XCTAssertEqual(connector.attempted, [v4a.address, v4b.address])
            // The race returns only after the loser finished: cancelled, socket closed.
            XCTAssertEqual(connector.cancelled, [v4a.address])
            XCTAssertEqual(connector.sockets[v4a.address]?.isClosed, true)
            XCTAssertFalse(socket.isClosed)
            socket.close()
        }
    }

    // A loser that connects after the winner was chosen is closed, not leaked.
    func testAttemptThatConnectsAfterTheWinnerIsClosed() {
        runLoopTest { [v4a, v4b] loop, _ in
            let connector = FakeConnector([v4a.address: .succeedLate, v4b.address: .succeed])
            let race = loop.createTask {
                try await HappyEyeballsTests.connect(loop, [v4a, v4b], connector, delay: .milliseconds(10))
            }
            try await waitUntil(loop) { connector.attempted.count == 2 }
            // The winner is chosen in the same iteration as B's success; A connects later.
            loop.callSoon { connector.release() }
            let socket = try await withTimeout(.seconds(10)) { try await race.value }
            XCTAssertTrue(socket === connector.sockets[v4b.address])
            XCTAssertEqual(connector.sockets[v4a.address]?.isClosed, true)
            socket.close()
        }
    }

    // A failure starts the next attempt at once (no waiting for the delay).
    // CPython: test_staggered.StaggeredTests.test_first_error_second_successful
    func testFailureStartsTheNextAttemptAtOnce() {
        runLoopTest { [v4a, v4b] loop, _ in
            let connector = FakeConnector([v4a.address: .fail(ECONNREFUSED), v4b.address: .succeed])
            // A one-hour delay: only the failure can start the second attempt in time.
            let socket = try await withTimeout(.seconds(10)) {
                try await HappyEyeballsTests.connect(loop, [v4a, v4b], connector, delay: .seconds(3600))
            }
            XCTAssertTrue(socket === connector.sockets[v4b.address])
            socket.close()
        }
    }

    // Without a delay the addresses are tried one after another, in the resolver's order.
    func testSequentialWithoutDelay() {
        runLoopTest { [v6a, v4a, v4b] loop, _ in
            let connector = FakeConnector([v6a.address: .fail(ENETUNREACH), v4a.address: .fail(ECONNREFUSED),
                                           v4b.address: .succeed])
            let socket = try await withTimeout(.seconds(10)) { try await HappyEyeballsTests.connect(loop, [v6a, v4a, v4b], connector) }
            XCTAssertEqual(connector.attempted, [v6a.address, v4a.address, v4b.address])
            XCTAssertTrue(socket === connector.sockets[v4b.address])
            socket.close()
        }
    }

    // createConnection uses asyncio's _interleave_addrinfos order.
    // (CPython has no test of this; the order is base_events._interleave_addrinfos')
    func testCreateConnectionTriesTheInterleavedOrder() {
        runLoopTest { [v6a, v6b, v4a, v4b] loop, _ in
            let infos = [v6a, v6b, v4a, v4b]
            let cases: [(delay: Duration?, interleave: Int?, expected: [AddressInfo])] = [
                (.milliseconds(50), nil, [v6a, v4a, v6b, v4b]),   // a delay implies interleave 1
                (.milliseconds(50), 1, [v6a, v4a, v6b, v4b]),
                (.milliseconds(50), 2, [v6a, v6b, v4a, v4b]),
                (.milliseconds(50), 0, [v6a, v6b, v4a, v4b]),     // 0: no reordering
                (nil, nil, [v6a, v6b, v4a, v4b]),                  // no delay: resolver order
                (nil, 1, [v6a, v4a, v6b, v4b]),
            ]
            for (delay, interleave, expected) in cases {
                let connector = FakeConnector([:]) // every attempt is refused
                do {
                    _ = try await withTimeout(.seconds(10)) {
                        try await HappyEyeballsTests.connect(loop, infos, connector, delay: delay, interleave: interleave, allErrors: true)
                    }
                    XCTFail("connected")
                } catch let error as ConnectionAttemptsError {
                    XCTAssertEqual(error.errors.count, 4)
                }
                XCTAssertEqual(connector.attempted, expected.map(\.address), "delay \(String(describing: delay)), interleave \(String(describing: interleave))")
            }
        }
    }

    // Cancelling createConnection (here by a timeout) cancels every attempt and closes
    // every socket, in the race and in the sequential loop.
    // CPython: test_base_events.BaseEventLoopWithSelectorTests.test_create_connection_timeout
    func testTimeoutCancelsEveryAttempt() {
        runLoopTest { [v4a, v4b] loop, _ in
            for delay in [Duration.milliseconds(20), nil] {
                let connector = FakeConnector([v4a.address: .hang, v4b.address: .hang])
                do {
                    _ = try await withTimeout(.milliseconds(200)) {
                        try await HappyEyeballsTests.connect(loop, [v4a, v4b], connector, delay: delay)
                    }
                    XCTFail("connected")
                } catch is TimeoutError {}
                try await waitUntil(loop) { connector.cancelled.count == connector.attempted.count }
                XCTAssertEqual(connector.attempted.count, delay == nil ? 1 : 2)
                XCTAssertTrue(connector.sockets.values.allSatisfy(\.isClosed))
            }
        }
    }

    // Over real sockets: the first address never answers (a listener with a full accept
    // queue drops SYNs), the second is a server; with a 100 ms delay the connection is
    // made through the second long before the first would time out, and the first
    // attempt's socket is closed (no descriptor left behind).
    func testRealSocketsSecondAddressWins() {
        runLoopTest { loop, _ in
            let blackhole = try await Blackhole(loop)
            let beforeServer = openDescriptorCount()
            let server = try await RecordingServer(loop: loop, host: "127.0.0.1")
            let baseline = openDescriptorCount()
            let infos = [streamInfo("127.0.0.1", blackhole.address.port!), streamInfo("127.0.0.1", server.address.port!)]
            let (transport, client) = try await withTimeout(.seconds(20)) {
                Box(try await loop.createConnection(
                    { RecordingProtocol() }, host: "dual.test", port: 0, family: AF_UNSPEC, proto: 0, flags: 0,
                    sock: nil, localAddress: nil, happyEyeballsDelay: .milliseconds(100), interleave: nil,
                    allErrors: false, steps: ConnectionSteps(resolve: tableResolver(["dual.test": infos]), connect: nil)))
            }.value
            XCTAssertEqual(transport.peerName, server.address)
            // The winner's descriptor is the only new one: the blackhole attempt's is closed.
            _ = try await server.connection(loop)
            // The winner and the server's side of it are the only new sockets: the
            // blackhole attempt's socket was closed before createConnection returned.
            XCTAssertEqual(openDescriptorCount(), baseline + 2)
            transport.write(Array("ping".utf8))
            try await waitUntil(loop) { server.protocols.value[0].received.count == 4 }
            transport.close()
            try await waitUntil(loop) { client.isLost }
            try await server.close()
            try await waitForDescriptors(loop, beforeServer)
            blackhole.close()
        }
    }

    // The same race cancelled by a timeout over real sockets: no descriptor leaks.
    func testRealSocketsTimeoutClosesEverySocket() {
        runLoopTest { loop, _ in
            let blackhole = try await Blackhole(loop)
            let baseline = openDescriptorCount()
            let port = blackhole.address.port!
            for delay in [Duration.milliseconds(30), nil] {
                do {
                    _ = try await withTimeout(.milliseconds(300)) {
                        Box(try await loop.createConnection(
                            { RecordingProtocol() }, host: "slow.test", port: port, family: AF_UNSPEC, proto: 0, flags: 0,
                            sock: nil, localAddress: nil, happyEyeballsDelay: delay, interleave: nil, allErrors: false,
                            steps: ConnectionSteps(resolve: tableResolver(["slow.test": [streamInfo("127.0.0.1", port),
                                                                                         streamInfo("127.0.0.1", port)]]),
                                                   connect: nil)))
                    }
                    XCTFail("connected to a full backlog")
                } catch is TimeoutError {}
                try await waitForDescriptors(loop, baseline)
            }
            blackhole.close()
        }
    }
}
