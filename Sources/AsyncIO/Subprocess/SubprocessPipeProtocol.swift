/// What a subprocess transport puts on each of its pipes: asyncio's
/// `ReadSubprocessPipeProto` and `WriteSubprocessPipeProto` (one class here; the stdin
/// pipe never receives data). It forwards the pipe's events to its process transport.
final class SubprocessPipeProtocol: StreamingProtocol {
    let fd: Int32
    /// Dropped once the pipe is lost, which breaks the transport ↔ pipe cycle.
    private var process: ProcessTransport?
    /// asyncio's `disconnected`.
    private(set) var isDisconnected = false

    init(process: ProcessTransport, fd: Int32) {
        self.process = process
        self.fd = fd
    }

    func connectionMade(_ transport: any Transport) {}

    func dataReceived(_ data: [UInt8]) {
        process?.pipeDataReceived(fd: fd, data: data)
    }

    func connectionLost(_ error: (any Error)?) {
        isDisconnected = true
        let process = self.process
        self.process = nil
        process?.pipeConnectionLost(fd: fd, error: error)
    }

    func pauseWriting() {
        process?.getProtocol().pauseWriting()
    }

    func resumeWriting() {
        process?.getProtocol().resumeWriting()
    }
}
