@testable import AsyncIO
import XCTest

/// StreamReader fed with `feedData`/`feedEOF`: CPython's test_streams.StreamTests reader
/// behaviours (read, readline, readexactly, exceptions, cancellation, iteration).
final class StreamReaderTests: XCTestCase {
    // CPython: test_streams.StreamTests.test_feed_empty_data
    func testFeedEmptyData() {
        runLoopTest { loop, _ in
            let reader = try StreamReader(loop: loop)
            reader.feedData([])
            XCTAssertEqual(reader.buffer.bytes, [])
            XCTAssertFalse(reader.atEOF)
        }
    }

    // CPython: test_streams.StreamTests.test_feed_nonempty_data
    func testFeedNonEmptyData() {
        runLoopTest { loop, _ in
            let reader = try StreamReader(loop: loop)
            reader.feedData(streamTestData)
            XCTAssertEqual(reader.buffer.bytes, streamTestData)
        }
    }

    // CPython: test_streams.StreamTests.test_read_zero
    func testReadZero() {
        runLoopTest { loop, _ in
            let reader = try StreamReader(loop: loop)
            reader.feedData(streamTestData)
            let data = try await reader.read(0)
            XCTAssertEqual(data, [])
            XCTAssertEqual(reader.buffer.bytes, streamTestData)
        }
    }

    // CPython: test_streams.StreamTests.test_read
    func testReadWaitsForData() {
        runLoopTest { loop, _ in
            let reader = try StreamReader(loop: loop)
            let task = loop.createTask { try await reader.read(30) }
            loop.callSoon { reader.feedData(streamTestData) }
            let data = try await withTimeout(.seconds(10)) { try await task.value }
            XCTAssertEqual(data, streamTestData)
            XCTAssertEqual(reader.buffer.bytes, [])
        }
    }

    // CPython: test_streams.StreamTests.test_read_line_breaks
    func testReadLineBreaks() {
        runLoopTest { loop, _ in
            let reader = try StreamReader(loop: loop)
            reader.feedData(bytes("line1"))
            reader.feedData(bytes("line2"))
            let data = try await reader.read(5)
            XCTAssertEqual(text(data), "line1")
            XCTAssertEqual(text(reader.buffer.bytes), "line2")
        }
    }

    // CPython: test_streams.StreamTests.test_read_eof
    func testReadEOF() {
        runLoopTest { loop, _ in
            let reader = try StreamReader(loop: loop)
            let task = loop.createTask { try await reader.read(1024) }
            loop.callSoon { reader.feedEOF() }
            let data = try await withTimeout(.seconds(10)) { try await task.value }
            XCTAssertEqual(data, [])
            XCTAssertEqual(reader.buffer.bytes, [])
            XCTAssertTrue(reader.atEOF)
        }
    }

    // CPython: test_streams.StreamTests.test_read_until_eof
    func testReadUntilEOF() {
        runLoopTest { loop, _ in
            let reader = try StreamReader(loop: loop)
            let task = loop.createTask { try await reader.read(-1) }
            loop.callSoon {
                reader.feedData(bytes("chunk1\n"))
                reader.feedData(bytes("chunk2"))
                reader.feedEOF()
            }
            let data = try await withTimeout(.seconds(10)) { try await task.value }
            XCTAssertEqual(text(data), "chunk1\nchunk2")
            XCTAssertEqual(reader.buffer.bytes, [])
        }
    }

    // read(-1) gathers chunks that arrive over several loop iterations.
    func testReadUntilEOFAcrossIterations() {
        runLoopTest { loop, _ in
            let reader = try StreamReader(limit: 4, loop: loop)
            let task = loop.createTask { try await reader.read() }
            for index in 0..<5 {
                try await loop.runBriefly()
                reader.feedData(bytes("part\(index);"))
            }
            reader.feedEOF()
            let data = try await withTimeout(.seconds(10)) { try await task.value }
            XCTAssertEqual(text(data), "part0;part1;part2;part3;part4;")
        }
    }

    // CPython: test_streams.StreamTests.test_read_exception
    func testReadException() {
        runLoopTest { loop, _ in
            let reader = try StreamReader(loop: loop)
            reader.feedData(bytes("line\n"))
            let data = try await reader.read(2)
            XCTAssertEqual(text(data), "li")
            reader.setException(TestError())
            do {
                _ = try await reader.read(2)
                XCTFail("expected the reader's exception")
            } catch let error as TestError {
                XCTAssertEqual(error, TestError())
            }
        }
    }

    // CPython: test_streams.StreamTests.test_invalid_limit
    func testInvalidLimitIsRejected() {
        runLoopTest { loop, _ in
            for limit in [0, -1] {
                XCTAssertThrowsError(try StreamReader(limit: limit, loop: loop)) { error in
                    XCTAssertEqual(error as? StreamError, .invalidLimit)
                    XCTAssertTrue("\(error)".contains("imit"))
                }
            }
        }
    }

    // CPython: test_streams.StreamTests.test_read_limit
    func testReadIsNotLimited() {
        runLoopTest { loop, _ in
            let reader = try StreamReader(limit: 3, loop: loop)
            reader.feedData(bytes("chunk"))
            let data = try await reader.read(5)
            XCTAssertEqual(text(data), "chunk")
            XCTAssertEqual(reader.buffer.bytes, [])
        }
    }

    // read(n) on a buffer that holds data returns without suspending: a callback
    // scheduled before it has not run when it returns.
    func testReadDoesNotSuspendWhenDataIsBuffered() {
        runLoopTest { loop, _ in
            let reader = try StreamReader(loop: loop)
            reader.feedData(streamTestData)
            let ranCallback = Box(false)
            loop.callSoon { ranCallback.value = true }
            let first = try await reader.read(65536)
            reader.feedData(streamTestData)
            let line = try await reader.readLine()
            let exact = try await reader.readExactly(6)
            XCTAssertFalse(ranCallback.value)
            XCTAssertEqual(first, streamTestData)
            XCTAssertEqual(text(line), "line1\n")
            XCTAssertEqual(text(exact), "line2\n")
        }
    }

    // CPython: test_streams.StreamTests.test_readline
    func testReadLineAcrossChunks() {
        runLoopTest { loop, _ in
            let reader = try StreamReader(loop: loop)
            reader.feedData(bytes("chunk1 "))
            let task = loop.createTask { try await reader.readLine() }
            loop.callSoon {
                reader.feedData(bytes("chunk2 "))
                reader.feedData(bytes("chunk3 "))
                reader.feedData(bytes("\n chunk4"))
            }
            let line = try await withTimeout(.seconds(10)) { try await task.value }
            XCTAssertEqual(text(line), "chunk1 chunk2 chunk3 \n")
            XCTAssertEqual(text(reader.buffer.bytes), " chunk4")
        }
    }

    // CPython: test_streams.StreamTests.test_readline_limit_with_existing_data
    func testReadLineLimitWithExistingData() {
        runLoopTest { loop, _ in
            let reader = try StreamReader(limit: 3, loop: loop)
            reader.feedData(bytes("li"))
            reader.feedData(bytes("ne1\nline2\n"))
            await XCTAssertThrowsLineOverrun { try await reader.readLine() }
            // The overlong line, newline included, was dropped.
            XCTAssertEqual(text(reader.buffer.bytes), "line2\n")

            let second = try StreamReader(limit: 3, loop: loop)
            second.feedData(bytes("li"))
            second.feedData(bytes("ne1"))
            second.feedData(bytes("li"))
            await XCTAssertThrowsLineOverrun { try await second.readLine() }
            // No newline: the whole buffer was dropped.
            XCTAssertEqual(second.buffer.bytes, [])
        }
    }

    // CPython: test_streams.StreamTests.test_at_eof
    func testAtEOF() {
        runLoopTest { loop, _ in
            let reader = try StreamReader(loop: loop)
            XCTAssertFalse(reader.atEOF)
            reader.feedData(bytes("some data\n"))
            XCTAssertFalse(reader.atEOF)
            _ = try await reader.readLine()
            XCTAssertFalse(reader.atEOF)
            reader.feedData(bytes("some data\n"))
            reader.feedEOF()
            _ = try await reader.readLine()
            XCTAssertTrue(reader.atEOF)
        }
    }

    // CPython: test_streams.StreamTests.test_readline_limit
    func testReadLineLimit() {
        runLoopTest { loop, _ in
            let first = try StreamReader(limit: 7, loop: loop)
            loop.callSoon {
                first.feedData(bytes("chunk1"))
                first.feedData(bytes("chunk2"))
                first.feedData(bytes("chunk3\n"))
                first.feedEOF()
            }
            await XCTAssertThrowsLineOverrun { try await first.readLine() }
            XCTAssertEqual(first.buffer.bytes, [])

            let second = try StreamReader(limit: 7, loop: loop)
            loop.callSoon {
                second.feedData(bytes("chunk1"))
                second.feedData(bytes("chunk2\n"))
                second.feedData(bytes("chunk3\n"))
                second.feedEOF()
            }
            await XCTAssertThrowsLineOverrun { try await second.readLine() }
            XCTAssertEqual(text(second.buffer.bytes), "chunk3\n")

            // The limit is strict: 7 bytes before the newline pass, 8 do not.
            let strict = try StreamReader(limit: 7, loop: loop)
            strict.feedData(bytes("1234567\n"))
            let line = try await strict.readLine()
            XCTAssertEqual(text(line), "1234567\n")
            XCTAssertEqual(strict.buffer.bytes, [])

            strict.feedData(bytes("12345678\n"))
            await XCTAssertThrowsLineOverrun { try await strict.readLine() }
            XCTAssertEqual(strict.buffer.bytes, [])

            strict.feedData(bytes("12345678"))
            await XCTAssertThrowsLineOverrun { try await strict.readLine() }
            XCTAssertEqual(strict.buffer.bytes, [])
        }
    }

    // readLine's overrun carries asyncio's LimitOverrunError message.
    func testReadLineOverrunMessage() {
        runLoopTest { loop, _ in
            let reader = try StreamReader(limit: 3, loop: loop)
            reader.feedData(bytes("abcdefgh\n"))
            do {
                _ = try await reader.readLine()
                XCTFail("expected an overrun")
            } catch let error as StreamError {
                XCTAssertEqual(error, .lineLimitOverrun(message: "Separator is found, but chunk is longer than limit"))
                XCTAssertEqual("\(error)", "Separator is found, but chunk is longer than limit")
            }
        }
    }

    // CPython: test_streams.StreamTests.test_readline_nolimit_nowait
    func testReadLineNoLimitNoWait() {
        runLoopTest { loop, _ in
            let reader = try StreamReader(loop: loop)
            reader.feedData(Array(streamTestData[..<6]))
            reader.feedData(Array(streamTestData[6...]))
            let line = try await reader.readLine()
            XCTAssertEqual(text(line), "line1\n")
            XCTAssertEqual(text(reader.buffer.bytes), "line2\nline3\n")
        }
    }

    // CPython: test_streams.StreamTests.test_readline_eof
    func testReadLineEOF() {
        runLoopTest { loop, _ in
            let reader = try StreamReader(loop: loop)
            reader.feedData(bytes("some data"))
            reader.feedEOF()
            let line = try await reader.readLine()
            XCTAssertEqual(text(line), "some data")
        }
    }

    // CPython: test_streams.StreamTests.test_readline_empty_eof
    func testReadLineEmptyEOF() {
        runLoopTest { loop, _ in
            let reader = try StreamReader(loop: loop)
            reader.feedEOF()
            let line = try await reader.readLine()
            XCTAssertEqual(line, [])
        }
    }

    // CPython: test_streams.StreamTests.test_readline_read_byte_count
    func testReadLineReadByteCount() {
        runLoopTest { loop, _ in
            let reader = try StreamReader(loop: loop)
            reader.feedData(streamTestData)
            _ = try await reader.readLine()
            let data = try await reader.read(7)
            XCTAssertEqual(text(data), "line2\nl")
            XCTAssertEqual(text(reader.buffer.bytes), "ine3\n")
        }
    }

    // CPython: test_streams.StreamTests.test_readline_exception
    func testReadLineException() {
        runLoopTest { loop, _ in
            let reader = try StreamReader(loop: loop)
            reader.feedData(bytes("line\n"))
            let line = try await reader.readLine()
            XCTAssertEqual(text(line), "line\n")
            reader.setException(TestError())
            do {
                _ = try await reader.readLine()
                XCTFail("expected the reader's exception")
            } catch is TestError {}
            XCTAssertEqual(reader.buffer.bytes, [])
        }
    }

    // CPython: test_streams.StreamTests.test_readexactly_zero_or_less
    func testReadExactlyZeroOrLess() {
        runLoopTest { loop, _ in
            let reader = try StreamReader(loop: loop)
            reader.feedData(streamTestData)
            let data = try await reader.readExactly(0)
            XCTAssertEqual(data, [])
            XCTAssertEqual(reader.buffer.bytes, streamTestData)
            do {
                _ = try await reader.readExactly(-1)
                XCTFail("expected an error")
            } catch let error as StreamError {
                XCTAssertEqual(error, .negativeReadSize)
                XCTAssertTrue("\(error)".contains("less than zero"))
            }
            XCTAssertEqual(reader.buffer.bytes, streamTestData)
        }
    }

    // CPython: test_streams.StreamTests.test_readexactly
    func testReadExactly() {
        runLoopTest { loop, _ in
            let reader = try StreamReader(loop: loop)
            let n = 2 * streamTestData.count
            let task = loop.createTask { try await reader.readExactly(n) }
            loop.callSoon {
                reader.feedData(streamTestData)
                reader.feedData(streamTestData)
                reader.feedData(streamTestData)
            }
            let data = try await withTimeout(.seconds(10)) { try await task.value }
            XCTAssertEqual(data, streamTestData + streamTestData)
            XCTAssertEqual(reader.buffer.bytes, streamTestData)
        }
    }

    // CPython: test_streams.StreamTests.test_readexactly_limit
    func testReadExactlyIsNotLimited() {
        runLoopTest { loop, _ in
            let reader = try StreamReader(limit: 3, loop: loop)
            reader.feedData(bytes("chunk"))
            let data = try await reader.readExactly(5)
            XCTAssertEqual(text(data), "chunk")
            XCTAssertEqual(reader.buffer.bytes, [])
        }
    }

    // CPython: test_streams.StreamTests.test_readexactly_eof
    func testReadExactlyEOF() {
        runLoopTest { loop, _ in
            let reader = try StreamReader(loop: loop)
            let n = 2 * streamTestData.count
            let task = loop.createTask { try await reader.readExactly(n) }
            loop.callSoon {
                reader.feedData(streamTestData)
                reader.feedEOF()
            }
            do {
                _ = try await withTimeout(.seconds(10)) { try await task.value }
                XCTFail("expected IncompleteReadError")
            } catch let error as IncompleteReadError {
                XCTAssertEqual(error.partial, streamTestData)
                XCTAssertEqual(error.expected, n)
                XCTAssertEqual("\(error)", "18 bytes read on a total of 36 expected bytes")
            }
            XCTAssertEqual(reader.buffer.bytes, [])
        }
    }

    // CPython: test_streams.StreamTests.test_readexactly_exception
    func testReadExactlyException() {
        runLoopTest { loop, _ in
            let reader = try StreamReader(loop: loop)
            reader.feedData(bytes("line\n"))
            let data = try await reader.readExactly(2)
            XCTAssertEqual(text(data), "li")
            reader.setException(TestError())
            do {
                _ = try await reader.readExactly(2)
                XCTFail("expected the reader's exception")
            } catch is TestError {}
        }
    }

    // CPython: test_streams.StreamTests.test_exception
    func testException() {
        runLoopTest { loop, _ in
            let reader = try StreamReader(loop: loop)
            XCTAssertNil(reader.exception)
            reader.setException(TestError(name: "set"))
            XCTAssertEqual(reader.exception as? TestError, TestError(name: "set"))
        }
    }

    // CPython: test_streams.StreamTests.test_exception_waiter
    func testExceptionWakesTheWaitingRead() {
        runLoopTest { loop, _ in
            let reader = try StreamReader(loop: loop)
            let readTask = loop.createTask { try await reader.readLine() }
            let setTask = loop.createTask { reader.setException(TestError()) }
            try await setTask.value
            let result = await readTask.result
            XCTAssertThrowsError(try result.get()) { XCTAssertTrue($0 is TestError) }
        }
    }

    // CPython: test_streams.StreamTests.test_exception_cancel
    func testExceptionAfterCancelledWait() {
        runLoopTest { loop, _ in
            let reader = try StreamReader(loop: loop)
            let task = loop.createTask { try await reader.readLine() }
            try await loop.runBriefly()
            XCTAssertTrue(reader.hasWaiter)
            task.cancel()
            try await loop.runBriefly()
            reader.setException(TestError())
            try await loop.runBriefly()
            XCTAssertFalse(reader.hasWaiter)
            let result = await task.result
            XCTAssertThrowsError(try result.get()) { XCTAssertTrue($0 is CancellationError) }
        }
    }

    // Cancelling a waiting read keeps the buffered bytes and leaves the reader usable.
    func testCancelledReadLeavesBufferAndReaderUsable() {
        runLoopTest { loop, _ in
            let reader = try StreamReader(loop: loop)
            reader.feedData(bytes("partial "))
            let task = loop.createTask { try await reader.readLine() }
            try await loop.runBriefly()
            XCTAssertTrue(reader.hasWaiter)
            task.cancel()
            let result = await task.result
            XCTAssertThrowsError(try result.get()) { XCTAssertTrue($0 is CancellationError) }
            XCTAssertFalse(reader.hasWaiter)
            XCTAssertEqual(text(reader.buffer.bytes), "partial ")

            let again = loop.createTask { try await reader.readLine() }
            try await loop.runBriefly()
            reader.feedData(bytes("line\nrest"))
            let line = try await withTimeout(.seconds(10)) { try await again.value }
            XCTAssertEqual(text(line), "partial line\n")
            XCTAssertEqual(text(reader.buffer.bytes), "rest")
        }
    }

    // A task cancelled before its read waits gets CancellationError and leaves no waiter.
    func testReadInAlreadyCancelledTask() {
        runLoopTest { loop, _ in
            let reader = try StreamReader(loop: loop)
            let task = loop.createTask {
                withUnsafeCurrentTask { $0?.cancel() }
                return try await reader.read(10)
            }
            let result = await task.result
            XCTAssertThrowsError(try result.get()) { XCTAssertTrue($0 is CancellationError) }
            XCTAssertFalse(reader.hasWaiter)
            reader.feedData(bytes("ok"))
            let data = try await reader.read(10)
            XCTAssertEqual(text(data), "ok")
        }
    }

    // Cancelling the read from another thread hops to the loop and still wakes it.
    func testReadCancelledFromAnotherThread() {
        runLoopTest { loop, _ in
            let reader = try StreamReader(loop: loop)
            let task = loop.createTask { try await reader.read(10) }
            try await loop.runBriefly()
            try await loop.runInExecutor { task.cancel() }
            let result = try await withTimeout(.seconds(10)) { await task.result }
            XCTAssertThrowsError(try result.get()) { XCTAssertTrue($0 is CancellationError) }
            XCTAssertFalse(reader.hasWaiter)
        }
    }

    // CPython: tasks.Task.cancel (_must_cancel) over streams.StreamReader._wait_for_data:
    // a read whose waiter got its data, then whose task was cancelled before it resumed,
    // raises CancelledError and the bytes stay in the buffer for the next read.
    func testReadWokenByDataThenCancelledKeepsTheBytes() {
        // Each read runs as the loop's code (its isolated parameter), as a task's body does.
        let reads: [(name: String, data: [UInt8], read: @Sendable (isolated EventLoop, StreamReader) async throws -> [UInt8])] = [
            ("read(n)", bytes("abc"), { try await $1.read(10) }),
            ("readLine", bytes("line\n"), { try await $1.readLine() }),
            ("readExactly", bytes("abcd"), { try await $1.readExactly(4) }),
            ("readUntil", bytes("ab\r\n"), { try await $1.readUntil(bytes("\r\n")) }),
            ("readUntil(anyOf:)", bytes("ab;"), { try await $1.readUntil(anyOf: [bytes(";"), bytes("::")]) }),
        ]
        for (name, data, read) in reads {
            runLoopTest { loop, _ in
                let reader = try StreamReader(loop: loop)
                let task = loop.createTask { try await read(loop, reader) }
                try await loop.runBriefly()
                XCTAssertTrue(reader.hasWaiter, name)
                reader.feedData(data)  // wakes the read: its task is queued to resume...
                task.cancel()          // ...and cancelled before it runs
                let result = await task.result
                XCTAssertThrowsError(try result.get(), name) { XCTAssertTrue($0 is CancellationError, "\(name): \($0)") }
                XCTAssertEqual(text(reader.buffer.bytes), text(data), name)
                let again = try await withTimeout(.seconds(10)) { try await reader.read(100) }
                XCTAssertEqual(text(again), text(data), name)
            }
        }
    }

    // read(-1) woken by EOF and cancelled before it resumes: what it had collected from
    // earlier wake-ups goes back to the buffer with the rest (asyncio loses those blocks).
    // CPython: streams.StreamReader.read(-1) with tasks.Task.cancel (_must_cancel).
    func testReadToEOFWokenThenCancelledKeepsEveryByte() {
        runLoopTest { loop, _ in
            let reader = try StreamReader(loop: loop)
            let task = loop.createTask { try await reader.read() }
            try await loop.runBriefly()
            reader.feedData(bytes("first "))
            try await loop.runBriefly()
            XCTAssertTrue(reader.hasWaiter)
            XCTAssertTrue(reader.buffer.isEmpty)  // the read took "first " and waits for more
            reader.feedData(bytes("second"))
            reader.feedEOF()
            task.cancel()
            let result = await task.result
            XCTAssertThrowsError(try result.get()) { XCTAssertTrue($0 is CancellationError, "\($0)") }
            let everything = try await withTimeout(.seconds(10)) { try await reader.read() }
            XCTAssertEqual(text(everything), "first second")
            XCTAssertTrue(reader.atEOF)
        }
    }

    // asyncio raises RuntimeError("read() called while another coroutine is already
    // waiting for incoming data"); here the second read throws and the first still works.
    func testSecondConcurrentReadThrows() {
        runLoopTest { loop, _ in
            let reader = try StreamReader(loop: loop)
            let first = loop.createTask { try await reader.read(10) }
            try await loop.runBriefly()
            do {
                _ = try await reader.readLine()
                XCTFail("expected concurrentRead")
            } catch let error as StreamError {
                XCTAssertEqual(error, .concurrentRead(operation: "readuntil"))
                XCTAssertEqual("\(error)",
                    "readuntil() called while another coroutine is already waiting for incoming data")
            }
            reader.feedData(bytes("data"))
            let data = try await withTimeout(.seconds(10)) { try await first.value }
            XCTAssertEqual(text(data), "data")
        }
    }

    // CPython: test_streams.StreamTests (async for line in reader), test___anext__ behaviour
    func testAsyncIterationYieldsLinesUntilEOF() {
        runLoopTest { loop, _ in
            let reader = try StreamReader(loop: loop)
            let task = loop.createTask {
                var lines: [String] = []
                for try await line in reader { lines.append(text(line)) }
                return lines
            }
            loop.callSoon {
                reader.feedData(bytes("line1\nli"))
                reader.feedData(bytes("ne2\n"))
                reader.feedData(bytes("tail"))
                reader.feedEOF()
            }
            let lines = try await withTimeout(.seconds(10)) { try await task.value }
            XCTAssertEqual(lines, ["line1\n", "line2\n", "tail"])
            XCTAssertTrue(reader.atEOF)
        }
    }

    // CPython: test_streams.StreamTests.test___repr__* (fields of the description)
    func testDescription() {
        runLoopTest { loop, _ in
            let reader = try StreamReader(limit: 123, loop: loop)
            XCTAssertEqual("\(reader)", "<StreamReader limit=123>")
            reader.feedData(bytes("data"))
            reader.feedEOF()
            XCTAssertEqual("\(reader)", "<StreamReader 4 bytes eof limit=123>")
            let plain = try StreamReader(loop: loop)
            XCTAssertEqual("\(plain)", "<StreamReader>")
        }
    }
}

/// CPython test_streams' DATA.
let streamTestData = bytes("line1\nline2\nline3\n")

/// Asserts that `body` throws readLine's limit overrun (asyncio's ValueError).
nonisolated(nonsending) func XCTAssertThrowsLineOverrun(
    file: StaticString = #filePath, line: UInt = #line,
    _ body: nonisolated(nonsending) () async throws -> [UInt8]
) async {
    do {
        let result = try await body()
        XCTFail("expected lineLimitOverrun, got \(text(result))", file: file, line: line)
    } catch let error as StreamError {
        guard case .lineLimitOverrun = error else {
            XCTFail("expected lineLimitOverrun, got \(error)", file: file, line: line)
            return
        }
    } catch {
        XCTFail("expected lineLimitOverrun, got \(error)", file: file, line: line)
    }
}
