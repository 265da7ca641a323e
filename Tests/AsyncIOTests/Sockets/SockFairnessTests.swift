@testable import AsyncIO
import Glibc
import XCTest

/// The fairness rule of the `sock*` fast paths (an addition to asyncio): a task whose
/// sockets are always ready still lets the loop's other tasks run. Checked by the order
/// in which things happen, never by time.
final class SockFairnessTests: XCTestCase {
    // CPython: selector_events.sock_accept, whose fast path returns without suspending
    // while connections wait; the walkthrough's accept loop (`while True: sock_accept;
    // create_task`) then runs no client task until the backlog is empty. Here, with 2,000
    // connections queued, the first client's task runs long before the last accept.
    func testAcceptLoopLetsTheFirstClientsTaskRunBeforeTheBacklogIsEmpty() throws {
        let total = 2_000
        try withDescriptorLimit(atLeast: 2 * total + 256) {
            runLoopTest { loop, _ in
                let listener = try makeListener(.ipv4, backlog: Int32(total + 100))
                let address = try listener.localAddress
                let clients = Box<[Socket]>([])
                defer {
                    for client in clients.value { client.close() }
                    listener.close()
                }
                // Fill the backlog: every client connects before anything is accepted.
                let deadline = loop.time() + 60
                while clients.value.count < total, loop.time() < deadline {
                    let client = try Socket()
                    clients.value.append(client)
                    try await loop.sockConnect(client, to: address)
                }
                XCTAssertEqual(clients.value.count, total, "the clients did not connect in time")

                let accepted = Box(0)
                let firstTaskRanAfter = Box<Int?>(nil)
                let acceptor = loop.createTask {
                    var served: [Task<Void, any Error>] = []
                    while accepted.value < clients.value.count {
                        let (conn, _) = try await loop.sockAccept(listener)
                        accepted.value += 1
                        let isFirst = accepted.value == 1
                        served.append(loop.createTask {
                            if isFirst { firstTaskRanAfter.value = accepted.value }
                            conn.close()
                        })
                    }
                    for task in served { try await task.value }
                }
                try await withTimeout(.seconds(60)) { try await acceptor.value }
                let ranAfter = try XCTUnwrap(firstTaskRanAfter.value)
                XCTAssertLessThan(ranAfter, total, "the first client's task waited for the whole backlog")
                XCTAssertLessThanOrEqual(ranAfter, EventLoop.sockCallsBeforeYield)
            }
        }
    }

    // CPython: selector_events.sock_recv (its fast path returns without suspending while
    // data is there). The same rule on the receive path: a reader taking one byte at a
    // time from a socket that always has more lets a task created before its loop run
    // long before it ends.
    func testReaderThatNeverWaitsLetsOtherTasksRun() {
        runLoopTest { loop, _ in
            let (client, server) = try await connectedPair(loop, .ipv4)
            let total = 1_000
            try await loop.sockSendAll(server, digitPattern(total))
            // Wait until all of it has arrived, so no read below has to wait.
            try await withTimeout(.seconds(10)) {
                while true {
                    var available: Int32 = 0
                    guard ioctl(client.fileno, UInt(FIONREAD), &available) == 0 else { return }
                    if available >= total { return }
                    try await loop.sleep(.milliseconds(1))
                }
            }
            let read = Box(0)
            let otherRanAfter = Box<Int?>(nil)
            let reader = loop.createTask {
                let other = loop.createTask { otherRanAfter.value = read.value }
                while read.value < total {
                    let byte = try await loop.sockRecv(client, 1)
                    XCTAssertEqual(byte.count, 1)
                    if byte.isEmpty { break }
                    read.value += 1
                }
                try await other.value
            }
            try await withTimeout(.seconds(10)) { try await reader.value }
            let ranAfter = try XCTUnwrap(otherRanAfter.value)
            XCTAssertLessThan(ranAfter, total, "the other task waited for the reader to finish")
            client.close()
            server.close()
        }
    }
}

/// Runs `body` with the soft descriptor limit raised to `count` if it is lower (skipping
/// the test if the hard limit does not allow it), and restores the limit afterwards.
private func withDescriptorLimit(atLeast count: Int, _ body: () throws -> Void) throws {
    var saved = rlimit()
    getrlimit(Int32(RLIMIT_NOFILE.rawValue), &saved)
    guard saved.rlim_cur < rlim_t(count) else { return try body() }
    guard saved.rlim_max >= rlim_t(count) else {
        throw XCTSkip("needs \(count) descriptors; the hard limit is \(saved.rlim_max)")
    }
    var raised = saved
    raised.rlim_cur = rlim_t(count)
    setrlimit(Int32(RLIMIT_NOFILE.rawValue), &raised)
    defer { setrlimit(Int32(RLIMIT_NOFILE.rawValue), &saved) }
    try body()
}
