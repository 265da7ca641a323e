import CLibUV

/// A `uv_signal_t`: libuv turns the signal into a callback on the loop thread.
final class UVSignal: UVHandle {
    private var callback: (() -> Void)?
    let signal: Int32

    init(loop: UVLoop, signal: Int32, _ callback: @escaping () -> Void) throws(OSError) {
        self.callback = callback
        self.signal = signal
        super.init(size: MemoryLayout<uv_signal_t>.size, label: "signal handler \(signal)")
        uv_signal_init(loop.raw, pointer.assumingMemoryBound(to: uv_signal_t.self))
        registered()
        let status = uv_signal_start(pointer.assumingMemoryBound(to: uv_signal_t.self), { raw, _ in
            UVHandle.owner(raw, as: UVSignal.self).callback?()
        }, signal)
        if status != 0 {
            close()
            throw OSError(uvStatus: status, operation: "uv_signal_start(\(signal))")
        }
    }

    override func willClose() { callback = nil }
}
