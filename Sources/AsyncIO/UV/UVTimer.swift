import CLibUV

/// A `uv_timer_t` (one-shot here). libuv counts from its cached millisecond clock.
final class UVTimer: UVHandle {
    private var callback: (() -> Void)?

    init(loop: UVLoop, label: String, isInternal: Bool = false, _ callback: @escaping () -> Void) {
        self.callback = callback
        super.init(size: MemoryLayout<uv_timer_t>.size, label: label, isInternal: isInternal)
        uv_timer_init(loop.raw, pointer.assumingMemoryBound(to: uv_timer_t.self))
        registered()
    }

    /// Fires once after `milliseconds` (restarting if already started).
    func start(milliseconds: UInt64) {
        guard !isCloseRequested else { return }
        uv_timer_start(pointer.assumingMemoryBound(to: uv_timer_t.self), { raw in
            UVHandle.owner(raw, as: UVTimer.self).callback?()
        }, milliseconds, 0)
    }

    func stop() {
        guard !isCloseRequested else { return }
        uv_timer_stop(pointer.assumingMemoryBound(to: uv_timer_t.self))
    }

    override func willClose() { callback = nil }
}
