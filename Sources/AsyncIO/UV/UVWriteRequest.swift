import CLibUV

/// One `uv_write_t` with the bytes it sends (copied once, at submission). It keeps itself
/// alive until libuv calls its callback.
final class UVWriteRequest {
    private let request: UnsafeMutablePointer<uv_write_t>
    private let storage: UnsafeMutableRawBufferPointer
    private var buffers: [uv_buf_t]
    private var completion: ((Int32) -> Void)?

    init(copying pieces: [UnsafeRawBufferPointer], completion: @escaping (Int32) -> Void) {
        request = .allocate(capacity: 1)
        let total = pieces.reduce(0) { $0 + $1.count }
        storage = .allocate(byteCount: max(total, 1), alignment: 16)
        buffers = []
        buffers.reserveCapacity(pieces.count)
        var offset = 0
        for piece in pieces where piece.count > 0 {
            let target = storage.baseAddress! + offset
            target.copyMemory(from: piece.baseAddress!, byteCount: piece.count)
            buffers.append(uv_buf_init(target.assumingMemoryBound(to: CChar.self), UInt32(piece.count)))
            offset += piece.count
        }
        self.completion = completion
    }

    deinit {
        storage.deallocate()
        request.deallocate()
    }

    func submit(on stream: UnsafeMutablePointer<uv_stream_t>) -> Int32 {
        request.pointee.data = Unmanaged.passRetained(self).toOpaque()
        let status = buffers.withUnsafeBufferPointer { bufs in
            uv_write(request, stream, bufs.baseAddress, UInt32(bufs.count)) { raw, status in
                let owner = Unmanaged<UVWriteRequest>.fromOpaque(raw!.pointee.data!).takeRetainedValue()
                let completion = owner.completion
                owner.completion = nil
                completion?(status)
            }
        }
        if status != 0 {
            Unmanaged<UVWriteRequest>.fromOpaque(request.pointee.data!).release()
        }
        return status
    }
}

/// One `uv_shutdown_t`, alive until its callback.
final class UVShutdownRequest {
    private let request: UnsafeMutablePointer<uv_shutdown_t>
    private var completion: ((Int32) -> Void)?

    init(completion: @escaping (Int32) -> Void) {
        request = .allocate(capacity: 1)
        self.completion = completion
    }

    deinit { request.deallocate() }

    func submit(on stream: UnsafeMutablePointer<uv_stream_t>) -> Int32 {
        request.pointee.data = Unmanaged.passRetained(self).toOpaque()
        let status = uv_shutdown(request, stream) { raw, status in
            let owner = Unmanaged<UVShutdownRequest>.fromOpaque(raw!.pointee.data!).takeRetainedValue()
            let completion = owner.completion
            owner.completion = nil
            completion?(status)
        }
        if status != 0 {
            Unmanaged<UVShutdownRequest>.fromOpaque(request.pointee.data!).release()
        }
        return status
    }
}
