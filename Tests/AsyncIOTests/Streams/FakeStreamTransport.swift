@testable import AsyncIO
import XCTest

/// An in-memory `Transport` for the stream tests that need no socket: records what the
/// stream layer asks of it (writes, pauses, closes) and delivers bytes to a
/// `BufferedProtocol` the way a socket transport does (`getBuffer` → copy → `bufferUpdated`).
///
/// Like a real transport, `close()` marks it closing and delivers `connectionLost(nil)` on
/// a later loop iteration, never from inside `close()`.
final class FakeStreamTransport: Transport, @unchecked Sendable, CustomStringConvertible {
    let loop: EventLoop
    var streamProtocol: (any BufferedProtocol)?

    private(set) var isReading = true
    private(set) var pauseReadingCount = 0
    private(set) var resumeReadingCount = 0
    /// Every call of pause/resume, in order ("pause", "resume").
    private(set) var readingEvents: [String] = []

    private(set) var written: [UInt8] = []
    private(set) var writeCalls = 0
    private(set) var writeLinesCalls = 0
    private(set) var eofWritten = false
    private(set) var closeCount = 0
    private(set) var aborted = false
    private(set) var isClosing = false
    private var connectionLostDelivered = false

    var writeBufferSize: Int { 0 }
    var writeBufferLimits: (low: Int, high: Int) { (16384, 65536) }
    var canWriteEOF: Bool { true }
    var peerName: SocketAddress? { nil }
    var sockName: SocketAddress? { nil }
    var socket: Socket? { nil }

    init(loop: EventLoop) {
        self.loop = loop
    }

    var description: String { "<FakeStreamTransport>" }

    func getExtraInfo(_ name: String) -> Any? {
        name == "fake" ? "fake-value" : nil
    }

    func setProtocol(_ protocol: any BaseProtocol) {
        streamProtocol = (`protocol` as! any BufferedProtocol)
    }

    func getProtocol() -> any BaseProtocol { streamProtocol! }

    /// Connects `protocol` and calls its `connectionMade`, as a transport does on connect.
    func connect(_ protocol: any BufferedProtocol) {
        streamProtocol = `protocol`
        `protocol`.connectionMade(self)
    }

    func pauseReading() {
        guard isReading else { return }
        isReading = false
        pauseReadingCount += 1
        readingEvents.append("pause")
    }

    func resumeReading() {
        guard !isReading else { return }
        isReading = true
        resumeReadingCount += 1
        readingEvents.append("resume")
    }

    func setWriteBufferLimits(high: Int?, low: Int?) throws {}

    func write(_ data: UnsafeRawBufferPointer) {
        precondition(!eofWritten, "write after writeEOF")
        writeCalls += 1
        written.append(contentsOf: data)
    }

    func write(_ data: [UInt8]) {
        data.withUnsafeBytes { write($0) }
    }

    func writeLines(_ lines: [[UInt8]]) {
        writeLinesCalls += 1
        for line in lines { written.append(contentsOf: line) }
    }

    func writeEOF() { eofWritten = true }

    func close() {
        closeCount += 1
        guard !isClosing else { return }
        isClosing = true
        loop.scheduleSoon { [self] in self.loseConnection(nil) }
    }

    func abort() {
        aborted = true
        close()
    }

    /// Delivers `connectionLost` once, as the transport does when the socket fails or closes.
    func loseConnection(_ error: (any Error)?) {
        guard !connectionLostDelivered else { return }
        connectionLostDelivered = true
        isClosing = true
        streamProtocol?.connectionLost(error)
    }

    /// Hands `bytes` to the protocol in chunks of at most `chunkSize`, through
    /// `getBuffer(sizeHint)` / `bufferUpdated`, as a socket read does. Returns how many
    /// bytes were delivered before reading was paused.
    @discardableResult
    func deliver(_ bytes: ArraySlice<UInt8>, chunkSize: Int, sizeHint: Int = 65536) -> Int {
        var delivered = 0
        while delivered < bytes.count, isReading {
            let target = streamProtocol!.getBuffer(sizeHint)
            XCTAssertGreaterThan(target.count, 0, "getBuffer returned an empty buffer")
            let n = min(chunkSize, target.count, bytes.count - delivered)
            let start = bytes.startIndex + delivered
            bytes[start..<(start + n)].withUnsafeBytes { source in
                target.baseAddress!.copyMemory(from: source.baseAddress!, byteCount: n)
            }
            streamProtocol!.bufferUpdated(n)
            delivered += n
        }
        return delivered
    }

    /// The peer closed its side: `eofReceived`, then close unless the protocol keeps the
    /// transport open (as a socket transport does).
    @discardableResult
    func receiveEOF() -> Bool {
        let keepOpen = streamProtocol!.eofReceived()
        if !keepOpen { close() }
        return keepOpen
    }
}

/// Bytes of a string, for readable tests.
func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

/// A string from bytes, for readable failure messages.
func text(_ bytes: [UInt8]) -> String { String(decoding: bytes, as: UTF8.self) }

/// An error a test sets on a reader (asyncio's tests use `ValueError()`).
struct TestError: Error, Equatable {
    var name = "test"
}

extension EventLoop {
    /// Lets the ready queue run `times` times (asyncio's `test_utils.run_briefly`).
    func runBriefly(_ times: Int = 1) async throws {
        for _ in 0..<times { try await sleep(.zero) }
    }
}
