import CLibUV

/// A `uv_idle_t`. While one is active, libuv polls for I/O without blocking.
final class UVIdle: UVHandle {
    private var callback: (() -> Void)?
    private(set) var isStarted = false

    init(loop: UVLoop, label: String, isInternal: Bool = false, _ callback: @escaping () -> Void) {
        self.callback = callback
        super.init(size: MemoryLayout<uv_idle_t>.size, label: label, isInternal: isInternal)
        uv_idle_init(loop.raw, pointer.assumingMemoryBound(to: uv_idle_t.self))
        registered()
    }

    func start() {
        guard !isStarted, !isCloseRequested else { return }
        isStarted = true
        uv_idle_start(pointer.assumingMemoryBound(to: uv_idle_t.self)) { raw in
            UVHandle.owner(raw, as: UVIdle.self).callback?()
        }
    }

    func stop() {
        guard isStarted else { return }
        isStarted = false
        uv_idle_stop(pointer.assumingMemoryBound(to: uv_idle_t.self))
    }

    override func willClose() {
        isStarted = false
        callback = nil
    }
}
