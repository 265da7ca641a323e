import CLibUV

/// One `uv_write_t` with the bytes it sends (copied once, at submission, into one block).
final class UVWriteRequest: UVRequest<uv_write_t> {
    private let storage: UnsafeMutableRawBufferPointer
    private var buffers: [uv_buf_t]

    init(copying pieces: [UnsafeRawBufferPointer], completion: @escaping (Int32) -> Void) {
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
        super.init(completion: completion)
    }

    deinit { storage.deallocate() }

    func submit(on stream: UnsafeMutablePointer<uv_stream_t>) -> Int32 {
        submit { request, data in
            request.pointee.data = data
            return buffers.withUnsafeBufferPointer { bufs in
                uv_write(request, stream, bufs.baseAddress, UInt32(bufs.count)) { raw, status in
                    UVRequest<uv_write_t>.complete(raw!.pointee.data, status)
                }
            }
        }
    }
}

/// One `uv_shutdown_t`.
final class UVShutdownRequest: UVRequest<uv_shutdown_t> {
    func submit(on stream: UnsafeMutablePointer<uv_stream_t>) -> Int32 {
        submit { request, data in
            request.pointee.data = data
            return uv_shutdown(request, stream) { raw, status in
                UVRequest<uv_shutdown_t>.complete(raw!.pointee.data, status)
            }
        }
    }
}
