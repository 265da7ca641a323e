import CLibUV

/// Owns the memory of one libuv handle and keeps itself alive while libuv may call it.
///
/// libuv's rule: a handle's memory may be freed only after its close callback ran. So a
/// wrapper retains itself in `handle->data` once `uv_*_init` succeeded and releases that
/// reference in the close callback; the memory is freed in `deinit`, after that.
/// Every wrapper is used on its loop's thread only (`UVAsync.send` excepted).
class UVHandle {
    /// The handle's memory, sized for the concrete libuv type.
    let pointer: UnsafeMutableRawPointer
    /// What this handle is for, shown by `UVLoop.liveHandles` (leak reports).
    let label: String
    /// Whether the loop owns this handle itself (excluded from leak reports).
    let isInternal: Bool
    private(set) var isCloseRequested = false
    private var isRegistered = false
    private var closeCallback: (() -> Void)?

    init(size: Int, label: String, isInternal: Bool = false) {
        pointer = .allocate(byteCount: size, alignment: 16)
        pointer.initializeMemory(as: UInt8.self, repeating: 0, count: size)
        self.label = label
        self.isInternal = isInternal
    }

    deinit {
        pointer.deallocate()
    }

    var handle: UnsafeMutablePointer<uv_handle_t> { asyncio_uv_handle(pointer)! }

    /// Call once `uv_*_init` succeeded: from now on libuv holds a strong reference.
    final func registered() {
        precondition(!isRegistered)
        isRegistered = true
        handle.pointee.data = Unmanaged.passRetained(self).toOpaque()
    }

    /// Ends an initializer that adopted a descriptor (`uv_tcp_open`, `uv_pipe_open`,
    /// `uv_udp_open`): on failure the handle is closed and the status thrown. libuv records
    /// the descriptor only on success, so on failure it is still the caller's to close.
    final func adopted(_ status: Int32, _ operation: String) throws(OSError) {
        guard status != 0 else { return }
        close()
        throw OSError(uvStatus: status, operation: operation)
    }

    /// The wrapper behind a handle that libuv passed to a callback.
    static func owner<T: UVHandle>(_ handle: UnsafeMutableRawPointer?, as type: T.Type = T.self) -> T {
        let base = asyncio_uv_handle(handle!)!
        return Unmanaged<T>.fromOpaque(base.pointee.data!).takeUnretainedValue()
    }

    /// Whether the handle is active (a started timer, a polling poll handle, ...).
    final var isActive: Bool { isRegistered && !isCloseRequested && uv_is_active(handle) != 0 }

    /// A referenced handle keeps `uv_run(UV_RUN_DEFAULT)` from returning.
    final func unref() { if isRegistered { uv_unref(handle) } }
    final func ref() { if isRegistered { uv_ref(handle) } }

    /// Starts closing the handle; `then` runs from libuv's close callback. Idempotent.
    final func close(then: (() -> Void)? = nil) {
        guard !isCloseRequested else { return }
        isCloseRequested = true
        guard isRegistered else {
            then?()
            return
        }
        closeCallback = then
        willClose()
        uv_close(handle) { raw in
            let owner = Unmanaged<UVHandle>.fromOpaque(raw!.pointee.data!).takeRetainedValue()
            raw!.pointee.data = nil
            let callback = owner.closeCallback
            owner.closeCallback = nil
            owner.didClose()
            callback?()
        }
    }

    /// Subclasses drop their callbacks here, which breaks cycles through closures.
    func willClose() {}
    func didClose() {}
}
