@testable import AsyncIO
@testable import chat_example
import Glibc
import XCTest

/// The chat example (Examples/ChatRoom) over real sockets: a client that never reads is
/// dropped once its outbox is full, and the others hear every line, in order.
final class ChatRoomTests: XCTestCase {
    func testSlowReaderIsDroppedAndNeverStallsTheRoom() {
        runLoopTest { loop, _ in
            let outboxSize = 32
            let linesPerRound = 16  // half an outbox: a reader that keeps up is never dropped
            let logLines = Box<[String]>([])
            let room = ChatRoom(loop: loop, outboxSize: outboxSize) { logLines.value.append($0) }
            let server = try await loop.startServer(host: "127.0.0.1", port: 0) { reader, writer in
                // A fixed, small send buffer toward each client (no autotuning), so one that
                // does not read fills it after a few dozen lines.
                try writer.transport.socket?.setOption(.sendBufferSize, value: 8192)
                try await room.serve(loop, reader, writer)
            }
            let port = try XCTUnwrap(server.sockets[0].localAddress.port)

            // The slow client: a small receive buffer, and it never reads.
            let slow = try Socket(family: .inet)
            try slow.setOption(.receiveBufferSize, value: 4096)
            try await withTimeout(.seconds(10)) { try await loop.sockConnect(slow, host: "127.0.0.1", port: port) }
            let slowName = "\(try slow.localAddress)"
            let (_, speaker) = try await loop.openConnection(host: "127.0.0.1", port: port)
            var listeners: [(StreamReader, StreamWriter)] = []
            for _ in 0..<2 { listeners.append(try await loop.openConnection(host: "127.0.0.1", port: port)) }
            try await withTimeout(.seconds(10)) { try await waitUntil(loop) { room.members.count == 4 } }
            let slowMember = try XCTUnwrap(room.members.first { $0.name == slowName }, "\(room.members.map(\.name))")

            // Rounds of lines from the speaker; the listeners read each round before the next.
            let padding = String(repeating: "x", count: 100)
            var sent = 0
            var roundsAfterDrop = 0
            for _ in 0..<1_000 where roundsAfterDrop < 10 {
                let first = sent
                for _ in 0..<linesPerRound {
                    speaker.write(Array("line \(sent) \(padding)\n".utf8))
                    sent += 1
                }
                try await speaker.drain()
                for (index, listener) in listeners.enumerated() {
                    for number in first..<sent {
                        let line = try await withTimeout(.seconds(10)) { try await listener.0.readLine() }
                        XCTAssertEqual(String(decoding: line, as: UTF8.self), "line \(number) \(padding)\n", "listener \(index)")
                    }
                }
                for member in room.members { XCTAssertLessThanOrEqual(member.outbox.qsize, outboxSize) }
                if !room.dropped.isEmpty { roundsAfterDrop += 1 }
            }

            // The slow client was dropped, with its outbox full and never over the bound;
            // the listeners heard everything, before and after.
            XCTAssertEqual(room.dropped, [slowName])
            XCTAssertEqual(slowMember.peakOutbox, outboxSize)
            XCTAssertEqual(roundsAfterDrop, 10, "the slow client was never dropped (\(sent) lines sent)")
            XCTAssertTrue(logLines.value.contains("dropping \(slowName): \(outboxSize) lines waiting for it, it is not reading"),
                          "\(logLines.value)")
            XCTAssertEqual(room.members.count, 3)
            XCTAssertFalse(room.members.contains { $0 === slowMember })

            // Its connection was aborted: it reads what the kernel had buffered, then the end.
            var received = 0
            try await withTimeout(.seconds(10)) {
                for _ in 0..<100_000 {
                    do {
                        let data = try await loop.sockRecv(slow, 65536)
                        if data.isEmpty { break }
                        received += data.count
                    } catch let error as OSError where error.isConnectionReset {
                        break
                    }
                }
            }
            XCTAssertLessThan(received, sent * 110)
            slow.close()

            for client in [speaker] + listeners.map(\.1) {
                client.close()
                try await client.waitClosed()
            }
            server.close()
            try await withTimeout(.seconds(10)) { try await server.waitClosed() }
        }
    }

    // The executable as users run it: it announces its port, relays a line from one
    // client to another, refuses a bad argument, and exits 0 on SIGTERM.
    func testExecutableRelaysLinesAndStopsOnSIGTERM() {
        runLoopTest { loop, _ in
            let binary = try chatExampleBinary()
            let bad = try await loop.createSubprocessExec(binary, ["--outbox", "0"], stdout: .pipe)
            let (usage, _) = try await withTimeout(.seconds(10)) { try await bad.communicate() }
            XCTAssertEqual(String(decoding: usage ?? [], as: UTF8.self), "chat-example: bad value '0' for --outbox\n")
            XCTAssertEqual(bad.returnCode, 2)

            let server = try await loop.createSubprocessExec(binary, ["--port", "0", "--outbox", "8"], stdout: .pipe)
            do {
                let output = try XCTUnwrap(server.stdout)
                let announced = try await withTimeout(.seconds(10)) { try await output.readLine() }
                let text = String(decoding: announced, as: UTF8.self)
                let port = try XCTUnwrap(Int(text.split(separator: ":").last?.dropLast() ?? ""), text)
                XCTAssertEqual(text, "listening on 127.0.0.1:\(port)\n")

                let (_, speaker) = try await loop.openConnection(host: "127.0.0.1", port: port)
                let (listener, listenerWriter) = try await loop.openConnection(host: "127.0.0.1", port: port)
                for _ in 0..<2 {   // both are in the room before anyone speaks
                    let joined = try await withTimeout(.seconds(10)) { try await output.readLine() }
                    XCTAssertTrue(String(decoding: joined, as: UTF8.self).contains(" joined "))
                }
                speaker.write(Array("hello room\n".utf8))
                let heard = try await withTimeout(.seconds(10)) { try await listener.readLine() }
                XCTAssertEqual(String(decoding: heard, as: UTF8.self), "hello room\n")
                for writer in [speaker, listenerWriter] {
                    writer.close()
                    try await writer.waitClosed()
                }
            } catch {
                // Never leave the server running: the test fails with what went wrong.
                try? server.kill()
                _ = try? await withTimeout(.seconds(10)) { try await server.wait() }
                throw error
            }

            try server.sendSignal(.terminate)
            let status = try await withTimeout(.seconds(10)) { try await server.wait() }
            XCTAssertEqual(status, 0)
        }
    }
}

/// The chat-example binary, built next to the test bundle (`swift build --build-tests`
/// builds every product).
private func chatExampleBinary() throws -> String {
    let directory = CommandLine.arguments[0].split(separator: "/", omittingEmptySubsequences: false).dropLast()
    let path = (directory + ["chat-example"]).joined(separator: "/")
    guard access(path, X_OK) == 0 else { throw OSError(errno: ENOENT, message: "chat-example is not built at \(path)") }
    return path
}
