@testable import AsyncIO
import Glibc
import XCTest

/// `addReader`/`removeReader`/`addWriter`/`removeWriter` (asyncio's fd callbacks).
final class ReaderWriterTests: XCTestCase {
    // CPython: test_events.EventLoopTestsMixin.test_add_reader / test_remove_reader
    func testReaderFiresAndRemovalReportsWhetherOneWasRegistered() {
        runLoopTest { loop, _ in
            let (client, server) = try await connectedPair(loop, .ipv4)
            let received = Box<[UInt8]>([])
            let done = loop.createFuture() as Future<Void>
            try loop.addReader(client.fileno) {
                let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 100, alignment: 1)
                defer { buffer.deallocate() }
                if case .done(let count) = try client.tryRecv(into: buffer) {
                    received.value += Array(buffer[..<count])
                    if received.value.count >= 3, !done.isDone { try done.setResult(()) }
                }
            }
            XCTAssertTrue(hasRegistration(loop, client.fileno))
            try await loop.sockSendAll(server, [1, 2, 3])
            try await withTimeout(.seconds(10)) { try await done.value }
            XCTAssertEqual(received.value, [1, 2, 3])
            XCTAssertTrue(try loop.removeReader(client.fileno))
            XCTAssertFalse(try loop.removeReader(client.fileno))
            // Removing the last callback closes the poll handle at once (the descriptor
            // may be closed right after, as in asyncio).
            XCTAssertNil(loop.pollRegistry.watchers[client.fileno])
            XCTAssertEqual(loop.liveHandleLabels().filter { $0.hasPrefix("poll") }, [])
            client.close()
            server.close()
        }
    }

    // CPython: test_events.EventLoopTestsMixin.test_add_writer / test_remove_writer
    func testWriterFiresAndCanRemoveItself() {
        runLoopTest { loop, _ in
            let (client, server) = try await connectedPair(loop, .ipv4)
            let calls = Box(0)
            let done = loop.createFuture() as Future<Void>
            try loop.addWriter(client.fileno) {
                calls.value += 1
                _ = try [UInt8]([9]).withUnsafeBytes { try client.trySend($0) }
                XCTAssertTrue(try loop.removeWriter(client.fileno))
                try done.setResult(())
            }
            try await withTimeout(.seconds(10)) { try await done.value }
            XCTAssertEqual(calls.value, 1)
            XCTAssertFalse(try loop.removeWriter(client.fileno))
            let data = try await loop.sockRecv(server, 10)
            XCTAssertEqual(data, [9])
            client.close()
            server.close()
        }
    }

    // asyncio's _add_reader replaces (cancels) an earlier reader of the same descriptor.
    func testAddingAReaderReplacesTheEarlierOne() {
        runLoopTest { loop, _ in
            let (client, server) = try await connectedPair(loop, .ipv4)
            let fired = Box<[String]>([])
            let done = loop.createFuture() as Future<Void>
            try loop.addReader(client.fileno) { fired.value.append("first") }
            try loop.addReader(client.fileno) {
                fired.value.append("second")
                XCTAssertTrue(try loop.removeReader(client.fileno))
                try done.setResult(())
            }
            try await loop.sockSendAll(server, [1])
            try await withTimeout(.seconds(10)) { try await done.value }
            XCTAssertEqual(fired.value, ["second"])
            client.close()
            server.close()
        }
    }

    // Reader and writer of one descriptor share one poll handle.
    func testReaderAndWriterShareOnePoll() {
        runLoopTest { loop, _ in
            let (client, server) = try await connectedPair(loop, .ipv4)
            let writable = loop.createFuture() as Future<Void>
            try loop.addReader(client.fileno) {}
            try loop.addWriter(client.fileno) { if !writable.isDone { try writable.setResult(()) } }
            XCTAssertEqual(loop.liveHandleLabels().filter { $0.hasPrefix("poll") }.count, 1)
            try await withTimeout(.seconds(10)) { try await writable.value }
            XCTAssertTrue(try loop.removeWriter(client.fileno))
            // The reader is still registered, so the poll stays.
            XCTAssertNotNil(loop.pollRegistry.watchers[client.fileno])
            XCTAssertTrue(try loop.removeReader(client.fileno))
            XCTAssertNil(loop.pollRegistry.watchers[client.fileno])
            client.close()
            server.close()
        }
    }

    // An error thrown by a reader goes to the exception handler, and the reader stays.
    func testReaderErrorsGoToTheExceptionHandler() {
        struct Boom: Error {}
        runLoopTest(expectExceptions: true) { loop, recorder in
            let (client, server) = try await connectedPair(loop, .ipv4)
            try loop.addReader(client.fileno) { throw Boom() }
            try await loop.sockSendAll(server, [1])
            try await withTimeout(.seconds(10)) {
                while recorder.contexts.isEmpty { try await loop.sleep(.milliseconds(1)) }
            }
            XCTAssertTrue(recorder.contexts[0].error is Boom)
            XCTAssertTrue(try loop.removeReader(client.fileno))
            client.close()
            server.close()
        }
    }

    // CPython: test_selector_events.BaseSelectorEventLoopTests.test_add_reader_existing_transport
    // (and _ensure_fd_no_transport for remove_*, sock_*)
    func testTransportOwnedDescriptorsAreRefused() {
        runLoopTest { loop, _ in
            let (client, server) = try await connectedPair(loop, .ipv4)
            let fd = client.fileno
            // The connect may have left a (stopped) watcher for the socket; the refused
            // calls must neither create one nor touch it.
            let before = loop.pollRegistry.watchers[fd]
            let polling = before?.isPolling
            loop.transportDescriptors.insert(fd)
            defer { loop.transportDescriptors.remove(fd) }
            let refused: [(String, () async throws -> Void)] = [
                ("addReader", { try loop.addReader(fd) {} }),
                ("addWriter", { try loop.addWriter(fd) {} }),
                ("removeReader", { _ = try loop.removeReader(fd) }),
                ("removeWriter", { _ = try loop.removeWriter(fd) }),
                ("sockRecv", { _ = try await loop.sockRecv(client, 10) }),
                ("sockSendAll", { try await loop.sockSendAll(client, [1]) }),
            ]
            for (name, call) in refused {
                do {
                    try await call()
                    XCTFail("\(name) accepted a transport's descriptor")
                } catch let error as SocketUsageError {
                    XCTAssertEqual(error, .usedByTransport(fd: fd), name)
                    XCTAssertEqual(error.description, "File descriptor \(fd) is used by transport")
                }
            }
            XCTAssertTrue(loop.pollRegistry.watchers[fd] === before)
            XCTAssertEqual(loop.pollRegistry.watchers[fd]?.isPolling, polling)
            client.close()
            server.close()
        }
    }

    // libuv cannot poll a regular file; the error says so instead of aborting later.
    func testRegularFileCannotBeWatched() {
        runLoopTest { loop, _ in
            let file = try TemporaryFile(bytes: [1])
            do {
                try loop.addReader(file.fd) {}
                XCTFail("watched a regular file")
            } catch let error as OSError {
                XCTAssertEqual(error.errno, EPERM)
            }
            XCTAssertNil(loop.pollRegistry.watchers[file.fd])
        }
    }
}
