@testable import AsyncIO

/// An in-memory write-only transport (a `WriteTransport` and nothing more, like a pipe to
/// a child's stdin): records what a `StreamWriter` writes, and tells its protocol about
/// flow control and the loss of the connection when a test says so.
final class FakeWriteTransport: WriteTransport, CustomStringConvertible {
    private var target: any BaseProtocol
    private(set) var written: [UInt8] = []
    private(set) var eofWritten = false
    private(set) var isClosing = false

    init(protocol: any BaseProtocol) {
        target = `protocol`
    }

    var description: String { "<FakeWriteTransport>" }
    var peerName: SocketAddress? { nil }
    var sockName: SocketAddress? { nil }
    var socket: Socket? { nil }
    func getExtraInfo(_ name: String) -> Any? { nil }
    func setProtocol(_ protocol: any BaseProtocol) { target = `protocol` }
    func getProtocol() -> any BaseProtocol { target }

    func setWriteBufferLimits(high: Int?, low: Int?) throws {}
    var writeBufferSize: Int { 0 }
    var writeBufferLimits: (low: Int, high: Int) { (16384, 65536) }
    func write(_ data: UnsafeRawBufferPointer) { written.append(contentsOf: data) }
    func write(_ data: [UInt8]) { written.append(contentsOf: data) }
    func writeLines(_ lines: [[UInt8]]) { for line in lines { written.append(contentsOf: line) } }
    func writeEOF() { eofWritten = true }
    var canWriteEOF: Bool { true }

    /// Marks the transport closing; the test delivers the loss with `loseConnection`.
    func close() { isClosing = true }
    func abort() { isClosing = true }

    func pauseProtocol() { target.pauseWriting() }
    func resumeProtocol() { target.resumeWriting() }

    /// Delivers `connectionLost`, as a transport does once its descriptor is gone.
    func loseConnection(_ error: (any Error)?) {
        isClosing = true
        target.connectionLost(error)
    }
}
