import CLibUV

/// A `uv_async_t`: the one libuv handle another thread may poke (`send`).
/// libuv coalesces sends, so the callback must drain everything waiting.
final class UVAsync: UVHandle, @unchecked Sendable {
    private var callback: (() -> Void)?

    init(loop: UVLoop, label: String, isInternal: Bool = false, _ callback: @escaping () -> Void) {
        self.callback = callback
        super.init(size: MemoryLayout<uv_async_t>.size, label: label, isInternal: isInternal)
        let status = uv_async_init(loop.raw, pointer.assumingMemoryBound(to: uv_async_t.self)) { raw in
            UVHandle.owner(raw, as: UVAsync.self).callback?()
        }
        precondition(status == 0, "uv_async_init failed: \(status)")
        registered()
    }

    /// Wakes the loop; safe from any thread while the handle is open.
    func send() {
        uv_async_send(pointer.assumingMemoryBound(to: uv_async_t.self))
    }

    override func willClose() { callback = nil }
}
