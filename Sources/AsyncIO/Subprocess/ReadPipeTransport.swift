/// The read end of a pipe to a child (its stdout or stderr): asyncio's
/// `_UnixReadPipeTransport`, as the `.readPipe` configuration of the stream transport.
///
/// Events reach the protocol in asyncio's order: `dataReceived`*, then at end of file
/// `eofReceived` and `connectionLost(nil)` on later callbacks; `close()` schedules
/// `connectionLost(nil)`, a read error `connectionLost(error)`. The protocol gets no
/// `connectionMade` (its `Transport`-typed signature does not fit a read-only pipe; the
/// subprocess transport's own protocol gets one).
final class ReadPipeTransport: BaseStreamTransport, ReadTransport {
    /// Wraps the open `pipe` and schedules the start of reading.
    init(loop: EventLoop, pipe: UVProcessPipe, protocol: any StreamingProtocol) {
        loop.assertOnLoopThread()
        super.init(loop: loop, handle: pipe, descriptor: pipe.descriptor, role: .readPipe,
                   receiver: .streaming(`protocol`))
        loop.scheduleSoon { [self] in startReadingIfWanted() }
    }
}
