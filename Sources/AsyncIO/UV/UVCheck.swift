import CLibUV

/// A `uv_check_t`: its callback runs once per loop iteration, right after polling for I/O.
final class UVCheck: UVHandle {
    private var callback: (() -> Void)?

    init(loop: UVLoop, label: String, isInternal: Bool = false, _ callback: @escaping () -> Void) {
        self.callback = callback
        super.init(size: MemoryLayout<uv_check_t>.size, label: label, isInternal: isInternal)
        uv_check_init(loop.raw, pointer.assumingMemoryBound(to: uv_check_t.self))
        registered()
    }

    func start() {
        uv_check_start(pointer.assumingMemoryBound(to: uv_check_t.self)) { raw in
            UVHandle.owner(raw, as: UVCheck.self).callback?()
        }
    }

    override func willClose() { callback = nil }
}
