@testable import AsyncIO
import XCTest

/// The reader's buffer: read index, compaction, growth, the reservable tail, searches.
final class ByteBufferTests: XCTestCase {
    func testAppendTakeDiscard() {
        var buffer = ByteBuffer()
        XCTAssertTrue(buffer.isEmpty)
        buffer.append(bytes("hello world"))
        XCTAssertEqual(buffer.count, 11)
        XCTAssertEqual(text(buffer.take(6)), "hello ")
        XCTAssertEqual(buffer.count, 5)
        buffer.discard(1)
        XCTAssertEqual(text(buffer.bytes), "orld")
        XCTAssertEqual(buffer[0], UInt8(ascii: "o"))
        XCTAssertEqual(text(buffer.takeAll()), "orld")
        XCTAssertTrue(buffer.isEmpty)
        XCTAssertEqual(buffer.take(0), [])
    }

    // Consuming everything resets the read index: the next read lands at the start.
    func testEmptyBufferResetsToTheStart() {
        var buffer = ByteBuffer(capacity: 128)
        let start = buffer.reserveTail(minimum: 1).baseAddress
        buffer.append(bytes("abc"))
        _ = buffer.take(3)
        XCTAssertEqual(buffer.reserveTail(minimum: 1).baseAddress, start)
        XCTAssertEqual(buffer.reserveTail(minimum: 1).count, 128)
    }

    // Once the read index passes half the capacity the rest moves to the front, without
    // growing; a tail too short for the request compacts before it grows.
    func testCompactionBeforeGrowth() {
        var buffer = ByteBuffer(capacity: 100)
        buffer.append(Array(repeating: 1, count: 60) + Array(repeating: 2, count: 30))
        buffer.discard(60)
        let tail = buffer.reserveTail(minimum: 50)
        XCTAssertEqual(buffer.capacity, 100)
        XCTAssertEqual(tail.count, 70)
        XCTAssertEqual(buffer.bytes, Array(repeating: 2, count: 30))
        buffer.discard(10)   // read index 10: below half
        _ = buffer.reserveTail(minimum: 80)   // 20 readable + 80 fits after moving
        XCTAssertEqual(buffer.capacity, 100)
        XCTAssertEqual(buffer.bytes, Array(repeating: 2, count: 20))
    }

    func testGrowthKeepsTheBytes() {
        var buffer = ByteBuffer()
        var expected: [UInt8] = []
        for round in 0..<200 {
            let chunk = (0..<(round * 7 % 300 + 1)).map { UInt8(truncatingIfNeeded: $0 &+ round) }
            buffer.append(chunk)
            expected += chunk
            if round % 3 == 0 {
                let n = min(expected.count, round * 5 % 400)
                XCTAssertEqual(buffer.take(n), Array(expected[..<n]))
                expected.removeFirst(n)
            }
        }
        XCTAssertEqual(buffer.bytes, expected)
    }

    func testReserveAndCommitTail() {
        var buffer = ByteBuffer()
        buffer.append(bytes("ab"))
        let tail = buffer.reserveTail(minimum: 4096)
        XCTAssertGreaterThanOrEqual(tail.count, 4096)
        tail.copyBytes(from: bytes("cdef"))
        buffer.commitTail(3)
        XCTAssertEqual(text(buffer.bytes), "abcde")
        buffer.commitTail(0)
        XCTAssertEqual(buffer.count, 5)
    }

    func testFindByteAndSequence() {
        var buffer = ByteBuffer()
        buffer.append(bytes("xxabcab\nabd"))
        buffer.discard(2)   // "abcab\nabd"
        XCTAssertEqual(buffer.firstIndex(of: UInt8(ascii: "\n")), 5)
        XCTAssertEqual(buffer.firstIndex(of: UInt8(ascii: "a"), from: 1), 3)
        XCTAssertNil(buffer.firstIndex(of: UInt8(ascii: "z")))
        XCTAssertNil(buffer.firstIndex(of: UInt8(ascii: "a"), from: 20))
        XCTAssertEqual(buffer.firstIndex(of: bytes("ab")), 0)
        XCTAssertEqual(buffer.firstIndex(of: bytes("ab"), from: 1), 3)
        XCTAssertEqual(buffer.firstIndex(of: bytes("abd")), 6)
        XCTAssertNil(buffer.firstIndex(of: bytes("abdx")))
        XCTAssertNil(buffer.firstIndex(of: bytes("abcab\nabdX")))
        XCTAssertEqual(buffer.firstIndex(of: bytes("abcab\nabd")), 0)
    }

    // The match that ends first wins; on equal ends the shorter (earlier) separator.
    func testFirstMatchAmongSeparators() {
        var buffer = ByteBuffer()
        buffer.append(bytes("ABCDEFG"))
        let match = buffer.firstMatch(of: [bytes("DEF"), bytes("BCDE")], from: 0)
        XCTAssertEqual(match?.start, 1)
        XCTAssertEqual(match?.end, 5)
        let tie = buffer.firstMatch(of: [bytes("C"), bytes("BC")], from: 0)
        XCTAssertEqual(tie?.start, 2)
        XCTAssertEqual(tie?.end, 3)
        XCTAssertNil(buffer.firstMatch(of: [bytes("X"), bytes("YZ")], from: 0))
    }

    // Bytes put back go in front of what is buffered: into the room before the read index
    // when there is enough, else into new storage; the tail still works afterwards.
    func testPrependPutsBytesBackInFront() {
        var buffer = ByteBuffer(capacity: 16)
        buffer.append(bytes("0123456789"))
        buffer.discard(6)
        buffer.prepend(bytes("xy"))
        XCTAssertEqual(text(buffer.bytes), "xy6789")
        XCTAssertEqual(buffer.capacity, 16)
        buffer.prepend(bytes("abcdefghijklmnop"))
        XCTAssertEqual(text(buffer.bytes), "abcdefghijklmnopxy6789")
        buffer.append(bytes("!"))
        XCTAssertEqual(text(buffer.takeAll()), "abcdefghijklmnopxy6789!")
        buffer.prepend(bytes("again"))
        XCTAssertEqual(text(buffer.bytes), "again")
        buffer.prepend([])
        XCTAssertEqual(text(buffer.takeAll()), "again")
    }
}
