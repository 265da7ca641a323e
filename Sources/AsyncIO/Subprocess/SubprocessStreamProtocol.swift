/// The protocol behind a streams-level `Process`: asyncio's `SubprocessStreamProtocol`.
///
/// It gives the child's stdout and stderr pipes each a `StreamReader` and its stdin a
/// `StreamWriter`, and closes the subprocess transport once the child exited and its
/// output pipes are done.
final class SubprocessStreamProtocol: SubprocessProtocol {
    let loop: EventLoop
    let limit: Int
    private(set) var stdin: StreamWriter?
    private(set) var stdout: StreamReader?
    private(set) var stderr: StreamReader?
    /// Drain and `waitClosed` for the stdin writer (asyncio's `FlowControlMixin` and its
    /// `_stdin_closed` future).
    private let stdinFlowControl: StreamFlowControl
    private var transport: (any SubprocessTransport)?
    private var hasProcessExited = false
    private var openOutputFDs: [Int32] = []

    init(limit: Int, loop: EventLoop) {
        self.limit = limit
        self.loop = loop
        stdinFlowControl = StreamFlowControl(loop: loop)
    }

    func connectionMade(_ transport: any SubprocessTransport) {
        self.transport = transport
        for fd: Int32 in [1, 2] {
            guard let pipe = transport.getPipeTransport(fd) as? any ReadTransport,
                  let reader = try? StreamReader(limit: limit, loop: loop) else { continue }
            reader.setTransport(pipe)
            if fd == 1 { stdout = reader } else { stderr = reader }
            openOutputFDs.append(fd)
        }
        if let pipe = transport.getPipeTransport(0) as? any WriteTransport {
            stdin = StreamWriter(transport: pipe, flowControl: stdinFlowControl, reader: nil, loop: loop)
        }
    }

    func pipeDataReceived(fd: Int32, data: [UInt8]) {
        (fd == 1 ? stdout : fd == 2 ? stderr : nil)?.feedData(data)
    }

    func pipeConnectionLost(fd: Int32, error: (any Error)?) {
        if fd == 0 {
            stdin?.close()
            // Wakes paused drains (with the error) and completes the writer's waitClosed.
            stdinFlowControl.connectionLost(error)
            return
        }
        if let reader = fd == 1 ? stdout : fd == 2 ? stderr : nil {
            if let error { reader.setException(error) } else { reader.feedEOF() }
        }
        openOutputFDs.removeAll { $0 == fd }
        maybeCloseTransport()
    }

    func processExited() {
        hasProcessExited = true
        maybeCloseTransport()
    }

    func pauseWriting() { stdinFlowControl.pauseWriting() }
    func resumeWriting() { stdinFlowControl.resumeWriting() }

    /// asyncio's `_maybe_close_transport`.
    private func maybeCloseTransport() {
        guard openOutputFDs.isEmpty, hasProcessExited, let transport else { return }
        self.transport = nil
        transport.close()
    }
}
