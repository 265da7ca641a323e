import AsyncIO
import XCTest

// Issue 12's acceptance programs, run with real clients: loop code shares plain classes
// (no @unchecked Sendable, no nonisolated(unsafe), no locks) because everything of one
// loop is isolated to it, and the compiler checks it. What must not compile is in
// Tests/CompileChecks (scripts/compile-checks).

/// A chat room: every connected writer, shared by all the handlers of one server.
private final class ChatRoom {
    var members: [StreamWriter] = []

    func broadcast(_ line: [UInt8], from sender: StreamWriter) {
        for member in members where member !== sender { member.write(line) }
    }
}

/// What the echo protocols of one server count together.
private final class Tally {
    var connections = 0
    var bytes = 0
}

/// asyncio's echo protocol, counting into a tally that every connection shares.
private final class TallyingEcho: StreamingProtocol {
    let tally: Tally
    var transport: (any Transport)?

    init(_ tally: Tally) {
        self.tally = tally
    }

    func connectionMade(_ transport: any Transport) {
        self.transport = transport
        tally.connections += 1
    }

    func dataReceived(_ data: [UInt8]) {
        tally.bytes += data.count
        transport?.write(data)
    }
}

final class LoopConfinementTests: XCTestCase {
    // Acceptance program 1: a chat server on startServer whose handlers share a plain
    // class. Three clients each say one line; each hears the other two.
    func testChatServerHandlersShareAPlainRoom() {
        runLoopTest { loop, _ in
            let room = ChatRoom()
            let server = try await loop.startServer(host: "127.0.0.1", port: 0) { reader, writer in
                room.members.append(writer)
                defer { room.members.removeAll { $0 === writer } }
                for try await line in reader { room.broadcast(line, from: writer) }
                writer.close()
            }
            let port = server.sockets[0].localAddressPort
            var clients: [(StreamReader, StreamWriter)] = []
            for _ in 0..<3 {
                clients.append(try await loop.openConnection(host: "127.0.0.1", port: port))
            }
            // Everyone is in the room before anyone speaks.
            let deadline = loop.time() + 10
            while room.members.count < 3, loop.time() < deadline { try await loop.sleep(.milliseconds(5)) }
            XCTAssertEqual(room.members.count, 3)
            for (index, client) in clients.enumerated() {
                client.1.write(Array("hello from \(index)\n".utf8))
            }
            for (index, client) in clients.enumerated() {
                var heard: [String] = []
                for _ in 0..<2 {
                    let line = try await withTimeout(.seconds(10)) { try await client.0.readLine() }
                    heard.append(String(decoding: line, as: UTF8.self))
                }
                let others = (0..<3).filter { $0 != index }.map { "hello from \($0)\n" }
                XCTAssertEqual(heard.sorted(), others, "client \(index)")
            }
            for client in clients {
                client.1.close()
                try await client.1.waitClosed()
            }
            server.close()
            try await withTimeout(.seconds(10)) { try await server.waitClosed() }
        }
    }

    // Acceptance program 2: a protocol-level server whose protocol objects (a plain class
    // conforming with no annotation) share a plain class.
    func testProtocolObjectsShareAPlainClass() {
        runLoopTest { loop, _ in
            let tally = Tally()
            let server = try await loop.createServer({ TallyingEcho(tally) }, host: "127.0.0.1", port: 0)
            let port = server.sockets[0].localAddressPort
            for index in 0..<2 {
                let (reader, writer) = try await loop.openConnection(host: "127.0.0.1", port: port)
                let payload = Array("client \(index)".utf8)
                writer.write(payload)
                let echoed = try await withTimeout(.seconds(10)) { try await reader.readExactly(payload.count) }
                XCTAssertEqual(echoed, payload)
                writer.close()
                try await writer.waitClosed()
            }
            XCTAssertEqual(tally.connections, 2)
            XCTAssertEqual(tally.bytes, "client 0".utf8.count + "client 1".utf8.count)
            server.close()
            try await withTimeout(.seconds(10)) { try await server.waitClosed() }
        }
    }

    // Acceptance program 3: a handler starts concurrent work on the loop that uses its
    // writer and shared state, with no ceremony (a task on the loop, not Task.detached).
    func testHandlerStartsConcurrentWorkOnTheLoop() {
        runLoopTest { loop, _ in
            let tally = Tally()
            let server = try await loop.startServer(host: "127.0.0.1", port: 0) { reader, writer in
                let line = try await reader.readLine()
                // Two tasks on the loop answer together; both touch the writer and the tally.
                let first = loop.createTask {
                    tally.bytes += line.count
                    writer.write(Array("first\n".utf8))
                }
                let second = loop.createTask {
                    try await loop.sleep(.milliseconds(1))
                    tally.connections += 1
                    writer.write(Array("second\n".utf8))
                }
                try await first.value
                try await second.value
                writer.close()
            }
            let port = server.sockets[0].localAddressPort
            let (reader, writer) = try await loop.openConnection(host: "127.0.0.1", port: port)
            writer.write(Array("go\n".utf8))
            let answer = try await withTimeout(.seconds(10)) { try await reader.read() }
            XCTAssertEqual(String(decoding: answer, as: UTF8.self), "first\nsecond\n")
            XCTAssertEqual(tally.bytes, 3)
            XCTAssertEqual(tally.connections, 1)
            writer.close()
            server.close()
            try await withTimeout(.seconds(10)) { try await server.waitClosed() }
        }
    }
}
