/// The write end of a pipe to a child (its stdin): asyncio's `_UnixWritePipeTransport`, as
/// the `.writePipe` configuration of the stream transport.
///
/// Writes go out at once when nothing is queued; the rest waits in libuv's write queue,
/// whose size drives `pauseWriting`/`resumeWriting`. `close()` is `writeEOF()`: the pipe
/// closes, and the child sees end of file, once the queue is flushed. The transport also
/// reads its end, as asyncio does, to notice the child closing the pipe: `connectionLost`
/// then carries a broken-pipe `OSError` if data was still queued.
final class WritePipeTransport: BaseStreamTransport, WriteTransport {
    /// Wraps the open `pipe`; with `watchForClose`, reads its end to notice the child
    /// closing the pipe (the pipe must then be readable, as a socket pair is).
    init(loop: EventLoop, pipe: UVProcessPipe, protocol: any StreamingProtocol, watchForClose: Bool) {
        loop.assertOnLoopThread()
        super.init(loop: loop, handle: pipe, descriptor: pipe.descriptor, role: .writePipe,
                   receiver: .streaming(`protocol`))
        if watchForClose {
            loop.scheduleSoon { [self] in startWatchingForPeerClose() }
        }
    }
}
