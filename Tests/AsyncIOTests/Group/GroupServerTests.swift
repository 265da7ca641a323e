@testable import AsyncIO
import Foundation
import Glibc
import XCTest

final class GroupServerTests: XCTestCase {
    // Port 0 across loops: the first loop picks the port, the others listen on it too,
    // and connections to it are served by every loop.
    func testPortZeroOnEveryLoopAndConnectionsReachEveryLoop() throws {
        let group = try EventLoopGroup(loopCount: 2)
        let bytesPerLoop = Locked([0, 0])
        try group.run(stopSignals: []) { loop in
            let server = try await group.createServer(perLoop: { loop in
                let index = group.loops.firstIndex { $0 === loop }!
                return { CountingEchoProtocol { count in bytesPerLoop.withLock { $0[index] += count } } }
            }, host: "127.0.0.1", port: 0)
            let port = try XCTUnwrap(server.port)
            XCTAssertGreaterThan(port, 0)
            XCTAssertEqual(server.addresses, [try SocketAddress(ipv4: "127.0.0.1", port: port)])
            // 40 connections: SO_REUSEPORT hashes each to a loop, so both get some
            // (the chance that one gets none is 2 in 2^40).
            let clients = (0..<40).map { index in
                loop.createTask { try await echoRoundTrip(loop, port: port, digitPattern(3000, from: index)) }
            }
            for (index, client) in clients.enumerated() {
                let echoed = try await client.value
                XCTAssertEqual(echoed, digitPattern(3000, from: index), "client \(index)")
            }
            let counts = await server.connectionCounts()
            XCTAssertEqual(counts.reduce(0, +), 40)
            XCTAssertTrue(counts.allSatisfy { $0 > 0 }, "\(counts)")
            server.close()
            await server.waitClosed()
            let countsAfterClose = await server.connectionCounts()
            XCTAssertEqual(countsAfterClose, counts, "the counts outlive the server")
        }
        let perLoop = bytesPerLoop.current
        XCTAssertEqual(perLoop.reduce(0, +), 40 * 3000)
        XCTAssertTrue(perLoop.allSatisfy { $0 > 0 }, "\(perLoop)")
    }

    // The round-robin acceptor: loop 0 accepts, each connection goes to the next loop in
    // turn (a descriptor handed over), so the spread is exact; every byte is served by
    // the loop the connection was handed to.
    func testRoundRobinHandsConnectionsToEveryLoopInTurn() throws {
        let group = try EventLoopGroup(loopCount: 4)
        let bytesPerLoop = Locked([0, 0, 0, 0])
        try group.run(stopSignals: []) { loop in
            let server = try await group.createServer(perLoop: { loop in
                let index = group.loops.firstIndex { $0 === loop }!
                return { CountingEchoProtocol { count in bytesPerLoop.withLock { $0[index] += count } } }
            }, host: "127.0.0.1", port: 0, clientGracePeriod: .milliseconds(20), distribution: .roundRobin)
            let port = try XCTUnwrap(server.port)
            var clients: [Socket] = []
            for index in 0..<8 {  // one at a time, so they are accepted in this order
                let client = try await rawClient(loop, to: try SocketAddress(ipv4: "127.0.0.1", port: port))
                let payload = digitPattern(5000 + index, from: index)
                try await rawSendAll(loop, client, payload)
                let echoed = try await rawRead(loop, client, atLeast: payload.count).bytes
                XCTAssertEqual(echoed, payload, "client \(index)")
                clients.append(client)
            }
            let counts = await server.connectionCounts()
            XCTAssertEqual(counts, [2, 2, 2, 2])
            // Shutting down closes the clients of every loop, the handed-over ones too.
            await server.shutdown()
            for client in clients {
                let (rest, eof) = try await rawRead(loop, client, atLeast: 0, untilEOF: true)
                XCTAssertTrue(eof && rest.isEmpty)
                client.close()
            }
        }
        XCTAssertEqual(bytesPerLoop.current, [5000 + 5004, 5001 + 5005, 5002 + 5006, 5003 + 5007])
    }

    // A host that resolves to several addresses gets one port for all of them, so every
    // loop can listen on each.
    func testPortZeroWithSeveralAddressesGivesThemOnePort() throws {
        try requireHost(.ipv6)
        let group = try EventLoopGroup(loopCount: 2)
        try group.run(stopSignals: []) { loop in
            let server = try await group.createServer({ TestEchoProtocol() }, host: "localhost", port: 0)
            let ports = Set(server.addresses.map(\.port))
            XCTAssertEqual(ports.count, 1, "\(server.addresses)")
            for address in server.addresses {
                let client = try await rawClient(loop, to: address)
                try await rawSendAll(loop, client, [1, 2, 3])
                let echoed = try await rawRead(loop, client, atLeast: 3).bytes
                XCTAssertEqual(echoed, [1, 2, 3], "\(address)")
                client.close()
            }
            server.close()
            await server.waitClosed()
        }
    }

    func testStartServerOnTheGroupRunsEachHandlerOnTheLoopThatAccepted() throws {
        let group = try EventLoopGroup(loopCount: 2)
        let handlers = Locked([Int]())
        try group.run(stopSignals: []) { loop in
            let server = try await group.startServer(host: "127.0.0.1", port: 0) { reader, writer in
                let index = group.loops.firstIndex { $0.isOnLoopThread }!
                handlers.withLock { $0.append(index) }
                for try await line in reader { writer.write(line) }
                writer.close()
            }
            let port = try XCTUnwrap(server.port)
            for index in 0..<20 {
                let line = Array("line \(index)\n".utf8)
                let echoed = try await echoRoundTrip(loop, port: port, line)
                XCTAssertEqual(echoed, line)
            }
            server.close()
            await server.waitClosed()
        }
        XCTAssertEqual(handlers.current.count, 20)
        XCTAssertEqual(Set(handlers.current), [0, 1], "both loops ran handlers")
    }

    // The group's stop closes its servers and their clients, and run returns.
    func testStoppingTheGroupClosesItsServersAndTheirClients() throws {
        let group = try EventLoopGroup(loopCount: 2)
        let port = Locked<Int?>(nil)
        let clientsSawEOF = Locked(0)
        let clientsDone = DispatchSemaphore(value: 0)
        let clients = Thread {
            defer { clientsDone.signal() }
            try? EventLoop.run { loop in
                while port.current == nil { try await loop.sleep(.milliseconds(1)) }
                var sockets: [Socket] = []
                for index in 0..<6 {
                    let client = try await rawClient(loop, to: try SocketAddress(ipv4: "127.0.0.1", port: port.current!))
                    try await rawSendAll(loop, client, digitPattern(100, from: index))
                    let echoed = try await rawRead(loop, client, atLeast: 100).bytes
                    XCTAssertEqual(echoed, digitPattern(100, from: index))
                    sockets.append(client)
                }
                group.stop()
                for client in sockets {
                    let (rest, eof) = try await rawRead(loop, client, atLeast: 0, untilEOF: true)
                    if eof && rest.isEmpty { clientsSawEOF.withLock { $0 += 1 } }
                    client.close()
                }
            }
        }
        clients.start()
        try group.run(stopSignals: []) { loop in
            let server = try await group.createServer({ TestEchoProtocol() }, host: "127.0.0.1", port: 0,
                                                      clientGracePeriod: .milliseconds(50))
            port.withLock { $0 = server.port }
            try await server.serveForever()
        }
        XCTAssertEqual(clientsDone.wait(timeout: .now() + 30), .success)
        XCTAssertEqual(clientsSawEOF.current, 6)
    }

    func testCreateServerNeedsARunningGroup() throws {
        let group = try EventLoopGroup(loopCount: 1)
        runLoopTest { _, _ in
            do {
                _ = try await group.createServer({ TestEchoProtocol() }, host: "127.0.0.1", port: 0)
                XCTFail("createServer on a group that does not run")
            } catch {
                XCTAssertEqual(error as? EventLoopGroupError, .notRunning)
            }
        }
        for loop in group.loops { try loop.close() }
    }

    func testAPortInUseFailsOnEveryLoopAndLeavesNothingListening() throws {
        let group = try EventLoopGroup(loopCount: 2)
        try group.run(stopSignals: []) { loop in
            // A listener without SO_REUSEPORT holds the port.
            let holder = try Socket()
            try holder.bind(try SocketAddress(ipv4: "127.0.0.1", port: 0))
            try holder.listen(backlog: 1)
            let port = try XCTUnwrap(holder.localAddress.port)
            do {
                _ = try await group.createServer({ TestEchoProtocol() }, host: "127.0.0.1", port: port)
                XCTFail("bound a port in use")
            } catch let error as OSError {
                XCTAssertTrue(error.isAddressInUse, "\(error)")
                XCTAssertTrue(error.message.contains("127.0.0.1"), error.message)
            }
            holder.close()
        }
    }
}
