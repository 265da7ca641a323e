import CLibUV

/// What a `UVStream` reports while reading (the stream transport). Loop thread only.
protocol UVStreamReader: AnyObject {
    /// The buffer libuv reads into next; an empty buffer makes libuv report `UV_ENOBUFS`.
    func streamAllocate(suggestedSize: Int) -> UnsafeMutableRawBufferPointer
    /// `count` bytes were read into the buffer handed out last.
    func streamDidRead(_ count: Int)
    /// The peer closed its write side.
    func streamDidReachEOF()
    /// Reading failed (a negative libuv status).
    func streamDidFail(status: Int32)
}

/// A `uv_stream_t` (the base of `uv_tcp_t` and `uv_pipe_t`): reading with an allocation
/// callback, `uv_try_write`, vectored `uv_write`, `uv_shutdown`.
///
/// The reader is held strongly until the handle starts closing: the handle (retained by
/// libuv until its close callback) keeps the transport alive while libuv may call it.
class UVStream: UVHandle {
    private var reader: (any UVStreamReader)?
    private(set) var isReading = false

    var stream: UnsafeMutablePointer<uv_stream_t> { asyncio_uv_stream(pointer)! }

    /// Bytes queued in `uv_write` requests that the kernel has not taken yet.
    final var writeQueueSize: Int {
        isCloseRequested ? 0 : uv_stream_get_write_queue_size(stream)
    }

    /// Starts reading; returns a libuv status.
    @discardableResult
    final func startReading(_ reader: any UVStreamReader) -> Int32 {
        guard !isCloseRequested else { return UV_EBADF.rawValue }
        self.reader = reader
        guard !isReading else { return 0 }
        let status = uv_read_start(stream, { handle, suggested, buf in
            let owner = UVHandle.owner(handle, as: UVStream.self)
            let buffer = owner.reader?.streamAllocate(suggestedSize: suggested) ?? UnsafeMutableRawBufferPointer(start: nil, count: 0)
            buf!.pointee = uv_buf_init(buffer.baseAddress?.assumingMemoryBound(to: CChar.self), UInt32(clamping: buffer.count))
        }, { stream, nread, _ in
            let owner = UVHandle.owner(stream, as: UVStream.self)
            guard let reader = owner.reader else { return }
            if nread > 0 {
                reader.streamDidRead(nread)
            } else if nread == Int(UV_EOF.rawValue) {
                reader.streamDidReachEOF()
            } else if nread < 0 {
                reader.streamDidFail(status: Int32(nread))
            }
        })
        if status == 0 { isReading = true }
        return status
    }

    final func stopReading() {
        guard isReading, !isCloseRequested else { return }
        isReading = false
        uv_read_stop(stream)
    }

    /// `uv_try_write` of `buffers` (one `writev`): bytes taken, 0 when the socket would
    /// block or writes are queued, or a negative libuv status.
    private func tryWrite(_ buffers: UnsafeBufferPointer<uv_buf_t>) -> Int {
        let result = uv_try_write(stream, buffers.baseAddress, UInt32(buffers.count))
        if result == UV_EAGAIN.rawValue { return 0 }
        return Int(result)
    }

    /// `uv_try_write` of one buffer.
    final func tryWrite(_ bytes: UnsafeRawBufferPointer) -> Int {
        var buf = uv_buf_init(UnsafeMutableRawPointer(mutating: bytes.baseAddress)?.assumingMemoryBound(to: CChar.self),
                              UInt32(bytes.count))
        return withUnsafePointer(to: &buf) { tryWrite(UnsafeBufferPointer(start: $0, count: 1)) }
    }

    /// `uv_try_write` of several buffers in one `writev`.
    final func tryWrite(_ pieces: [UnsafeRawBufferPointer]) -> Int {
        let buffers = pieces.map {
            uv_buf_init(UnsafeMutableRawPointer(mutating: $0.baseAddress)?.assumingMemoryBound(to: CChar.self), UInt32($0.count))
        }
        return buffers.withUnsafeBufferPointer { tryWrite($0) }
    }

    /// Queues a `uv_write` of a copy of `pieces` (one request, one buffer per piece) and
    /// returns its libuv status; `completion` runs once with the request's status
    /// (`UV_ECANCELED` when the handle closes first).
    final func write(copying pieces: [UnsafeRawBufferPointer], completion: @escaping (Int32) -> Void) -> Int32 {
        let request = UVWriteRequest(copying: pieces, completion: completion)
        return request.submit(on: stream)
    }

    /// Shuts the write side down once queued writes are done (`uv_shutdown`).
    final func shutdown(completion: @escaping (Int32) -> Void) -> Int32 {
        let request = UVShutdownRequest(completion: completion)
        return request.submit(on: stream)
    }

    override func willClose() {
        isReading = false
        reader = nil
    }
}
