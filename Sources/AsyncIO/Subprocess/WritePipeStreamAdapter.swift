/// Lets a `StreamWriter` write to a child's stdin: `StreamWriter` takes a full
/// `Transport`, a write pipe has no read side. asyncio's `StreamWriter` takes any
/// transport; here the read half is answered as "not reading" and otherwise ignored.
final class WritePipeStreamAdapter: Transport, @unchecked Sendable, CustomStringConvertible {
    let pipe: any WriteTransport

    init(_ pipe: any WriteTransport) {
        self.pipe = pipe
    }

    func getExtraInfo(_ name: String) -> Any? { pipe.getExtraInfo(name) }
    var peerName: SocketAddress? { nil }
    var sockName: SocketAddress? { nil }
    var socket: Socket? { nil }
    var isClosing: Bool { pipe.isClosing }
    func close() { pipe.close() }
    func setProtocol(_ protocol: any BaseProtocol) { pipe.setProtocol(`protocol`) }
    func getProtocol() -> any BaseProtocol { pipe.getProtocol() }

    var isReading: Bool { false }
    func pauseReading() {}
    func resumeReading() {}

    func setWriteBufferLimits(high: Int?, low: Int?) throws { try pipe.setWriteBufferLimits(high: high, low: low) }
    var writeBufferSize: Int { pipe.writeBufferSize }
    var writeBufferLimits: (low: Int, high: Int) { pipe.writeBufferLimits }
    func write(_ data: UnsafeRawBufferPointer) { pipe.write(data) }
    func write(_ data: [UInt8]) { pipe.write(data) }
    func writeLines(_ lines: [[UInt8]]) { pipe.writeLines(lines) }
    func writeEOF() { pipe.writeEOF() }
    var canWriteEOF: Bool { pipe.canWriteEOF }
    func abort() { pipe.abort() }

    var description: String { "\(pipe)" }
}
