@testable import AsyncIO
import XCTest

/// StreamReader.readUntil: CPython's test_streams readuntil tests, with 3.13's tuple of
/// separators as `readUntil(anyOf:)`.
final class StreamReaderReadUntilTests: XCTestCase {
    // CPython: test_streams.StreamTests.test_readuntil_separator
    func testInvalidSeparators() {
        runLoopTest { loop, _ in
            let reader = try StreamReader(loop: loop)
            await assertThrows(StreamError.emptySeparator) { try await reader.readUntil([]) }
            await assertThrows(StreamError.emptySeparator) { try await reader.readUntil(anyOf: [[]]) }
            await assertThrows(StreamError.emptySeparator) { try await reader.readUntil(anyOf: [bytes("a"), []]) }
            await assertThrows(StreamError.noSeparator) { try await reader.readUntil(anyOf: []) }
            XCTAssertEqual("\(StreamError.emptySeparator)", "Separator should be at least one-byte string")
            XCTAssertEqual("\(StreamError.noSeparator)", "Separator should contain at least one element")
        }
    }

    // The default separator is a newline.
    func testDefaultSeparatorIsNewline() {
        runLoopTest { loop, _ in
            let reader = try StreamReader(loop: loop)
            reader.feedData(bytes("one\ntwo"))
            let line = try await reader.readUntil()
            XCTAssertEqual(text(line), "one\n")
            XCTAssertEqual(text(reader.buffer.bytes), "two")
        }
    }

    // CPython: test_streams.StreamTests.test_readuntil_multi_chunks
    func testReadUntilMultiChunks() {
        runLoopTest { loop, _ in
            let reader = try StreamReader(loop: loop)
            reader.feedData(bytes("lineAAA"))
            var data = try await reader.readUntil(bytes("AAA"))
            XCTAssertEqual(text(data), "lineAAA")
            XCTAssertEqual(reader.buffer.bytes, [])

            reader.feedData(bytes("lineAAA"))
            data = try await reader.readUntil(bytes("AAA"))
            XCTAssertEqual(text(data), "lineAAA")
            XCTAssertEqual(reader.buffer.bytes, [])

            reader.feedData(bytes("lineAAAxxx"))
            data = try await reader.readUntil(bytes("AAA"))
            XCTAssertEqual(text(data), "lineAAA")
            XCTAssertEqual(text(reader.buffer.bytes), "xxx")
        }
    }

    // CPython: test_streams.StreamTests.test_readuntil_multi_chunks_1
    func testReadUntilMultiChunksPartialSeparators() {
        runLoopTest { loop, _ in
            let reader = try StreamReader(loop: loop)
            let cases: [([String], String)] = [
                (["QWEaa", "XYaa", "a"], "QWEaaXYaaa"),
                (["QWEaa", "XYa", "aa"], "QWEaaXYaaa"),
                (["aaa"], "aaa"),
                (["Xaaa"], "Xaaa"),
                (["XXX", "a", "a", "a"], "XXXaaa"),
            ]
            for (chunks, expected) in cases {
                for chunk in chunks { reader.feedData(bytes(chunk)) }
                let data = try await reader.readUntil(bytes("aaa"))
                XCTAssertEqual(text(data), expected)
                XCTAssertEqual(reader.buffer.bytes, [])
            }
        }
    }

    // readUntil waits across chunks that arrive later, the separator split between them.
    func testReadUntilAcrossChunksArrivingLater() {
        runLoopTest { loop, _ in
            let reader = try StreamReader(loop: loop)
            let task = loop.createTask { try await reader.readUntil(bytes("\r\n\r\n")) }
            for chunk in ["GET / HTTP/1.1\r", "\nHost: x\r\n", "\r", "\nbody"] {
                try await loop.runBriefly()
                reader.feedData(bytes(chunk))
            }
            let data = try await withTimeout(.seconds(10)) { try await task.value }
            XCTAssertEqual(text(data), "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
            XCTAssertEqual(text(reader.buffer.bytes), "body")
        }
    }

    // CPython: test_streams.StreamTests.test_readuntil_eof
    func testReadUntilEOF() {
        runLoopTest { loop, _ in
            let reader = try StreamReader(loop: loop)
            let data = bytes("some dataAA")
            reader.feedData(data)
            reader.feedEOF()
            do {
                _ = try await reader.readUntil(bytes("AAA"))
                XCTFail("expected IncompleteReadError")
            } catch let error as IncompleteReadError {
                XCTAssertEqual(error.partial, data)
                XCTAssertNil(error.expected)
                XCTAssertTrue("\(error)".hasSuffix("undefined expected bytes"))
            }
            XCTAssertEqual(reader.buffer.bytes, [])
        }
    }

    // CPython: test_streams.StreamTests.test_readuntil_limit_found_sep
    func testReadUntilLimitFoundSeparator() {
        runLoopTest { loop, _ in
            let reader = try StreamReader(limit: 3, loop: loop)
            reader.feedData(bytes("some dataAA"))
            do {
                _ = try await reader.readUntil(bytes("AAA"))
                XCTFail("expected LimitOverrunError")
            } catch let error as LimitOverrunError {
                XCTAssertTrue(error.message.contains("not found"))
                XCTAssertEqual(error.consumed, 9)
            }
            // The data stays in the buffer.
            XCTAssertEqual(text(reader.buffer.bytes), "some dataAA")

            reader.feedData(bytes("A"))
            do {
                _ = try await reader.readUntil(bytes("AAA"))
                XCTFail("expected LimitOverrunError")
            } catch let error as LimitOverrunError {
                XCTAssertTrue(error.message.contains("is found"))
                XCTAssertEqual(error.consumed, 9)
            }
            XCTAssertEqual(text(reader.buffer.bytes), "some dataAAA")
        }
    }

    // After an overrun the data can still be read with read/readExactly.
    func testOverrunLeavesDataReadable() {
        runLoopTest { loop, _ in
            let reader = try StreamReader(limit: 4, loop: loop)
            reader.feedData(bytes("0123456789;"))
            do {
                _ = try await reader.readUntil(bytes(";"))
                XCTFail("expected LimitOverrunError")
            } catch let error as LimitOverrunError {
                XCTAssertEqual(error.consumed, 10)
                let data = try await reader.readExactly(error.consumed + 1)
                XCTAssertEqual(text(data), "0123456789;")
            }
        }
    }

    // The not-found overrun also happens while waiting: chunks arrive, no separator.
    func testOverrunWhileWaitingForMoreData() {
        runLoopTest { loop, _ in
            let reader = try StreamReader(limit: 5, loop: loop)
            let task = loop.createTask { try await reader.readUntil(bytes("\n")) }
            for chunk in ["abc", "def"] {
                try await loop.runBriefly()
                reader.feedData(bytes(chunk))
            }
            let result = try await withTimeout(.seconds(10)) { await task.result }
            XCTAssertThrowsError(try result.get()) { error in
                XCTAssertEqual((error as? LimitOverrunError)?.message,
                               "Separator is not found, and chunk exceed the limit")
            }
            XCTAssertEqual(text(reader.buffer.bytes), "abcdef")
        }
    }

    // CPython: test_streams.StreamTests.test_readuntil_multi_separator
    func testReadUntilMultiSeparator() {
        runLoopTest { loop, _ in
            let reader = try StreamReader(loop: loop)
            reader.feedData(bytes("line 1\nline 2\r"))
            var data = try await reader.readUntil(anyOf: [bytes("\r"), bytes("\n")])
            XCTAssertEqual(text(data), "line 1\n")
            data = try await reader.readUntil(anyOf: [bytes("\r"), bytes("\n")])
            XCTAssertEqual(text(data), "line 2\r")
            XCTAssertEqual(reader.buffer.bytes, [])

            // The first end position wins, even if that is the longer separator.
            reader.feedData(bytes("ABCDEFG"))
            data = try await reader.readUntil(anyOf: [bytes("DEF"), bytes("BCDE")])
            XCTAssertEqual(text(data), "ABCDE")
            XCTAssertEqual(text(reader.buffer.bytes), "FG")
        }
    }

    // CPython: test_streams.StreamTests.test_readuntil_multi_separator_limit
    func testReadUntilMultiSeparatorLimit() {
        runLoopTest { loop, _ in
            let reader = try StreamReader(limit: 3, loop: loop)
            reader.feedData(bytes("some dataA"))
            do {
                _ = try await reader.readUntil(anyOf: [bytes("A"), bytes("ome dataA")])
                XCTFail("expected LimitOverrunError")
            } catch let error as LimitOverrunError {
                XCTAssertTrue(error.message.contains("is found"))
                // The shortest separator that matched counts.
                XCTAssertEqual(error.consumed, 9)
            }
            XCTAssertEqual(text(reader.buffer.bytes), "some dataA")
        }
    }

    // CPython: test_streams.StreamTests.test_readuntil_multi_separator_negative_offset
    func testReadUntilMultiSeparatorNegativeOffset() {
        runLoopTest { loop, _ in
            let reader = try StreamReader(loop: loop)
            reader.feedData(bytes("data"))
            let task = loop.createTask { try await reader.readUntil(anyOf: [bytes("A"), bytes("long sep")]) }
            loop.callSoon { reader.feedData(bytes("Z")) }
            loop.callSoon { reader.feedData(bytes("Aaaa")) }
            let data = try await withTimeout(.seconds(10)) { try await task.value }
            XCTAssertEqual(text(data), "dataZA")
            XCTAssertEqual(text(reader.buffer.bytes), "aaa")
        }
    }

    // CPython: test_streams.StreamTests.test_readuntil_bytearray (a multi-byte separator)
    func testReadUntilTwoByteSeparator() {
        runLoopTest { loop, _ in
            let reader = try StreamReader(loop: loop)
            reader.feedData(bytes("some data\r\n"))
            let data = try await reader.readUntil(bytes("\r\n"))
            XCTAssertEqual(text(data), "some data\r\n")
            XCTAssertEqual(reader.buffer.bytes, [])
        }
    }

    // readUntil throws the reader's exception before looking at the buffer.
    func testReadUntilException() {
        runLoopTest { loop, _ in
            let reader = try StreamReader(loop: loop)
            reader.feedData(bytes("x;"))
            reader.setException(TestError())
            do {
                _ = try await reader.readUntil(bytes(";"))
                XCTFail("expected the reader's exception")
            } catch is TestError {}
            XCTAssertEqual(text(reader.buffer.bytes), "x;")
        }
    }
}

/// Asserts that `body` throws `expected`.
private func assertThrows(
    _ expected: StreamError, file: StaticString = #filePath, line: UInt = #line,
    _ body: () async throws -> [UInt8]
) async {
    do {
        _ = try await body()
        XCTFail("expected \(expected)", file: file, line: line)
    } catch {
        XCTAssertEqual(error as? StreamError, expected, file: file, line: line)
    }
}
