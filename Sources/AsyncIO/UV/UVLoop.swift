import CLibUV

/// A `uv_loop_t`, owned by one `EventLoop`.
final class UVLoop {
    let raw: UnsafeMutablePointer<uv_loop_t>

    init() throws(OSError) {
        raw = .allocate(capacity: 1)
        let status = uv_loop_init(raw)
        guard status == 0 else {
            raw.deallocate()
            throw OSError(uvStatus: status, operation: "uv_loop_init")
        }
    }

    /// Runs one loop iteration, blocking in poll only if nothing keeps it non-blocking.
    /// Returns whether referenced handles or requests remain.
    @discardableResult
    func runOnce() -> Bool { uv_run(raw, UV_RUN_ONCE) != 0 }

    /// Runs iterations without blocking until no referenced handle or request remains
    /// (used while closing, to deliver close callbacks).
    @discardableResult
    func runNoWait() -> Bool { uv_run(raw, UV_RUN_NOWAIT) != 0 }

    /// Runs until no referenced handle or request remains.
    func runUntilIdle() { uv_run(raw, UV_RUN_DEFAULT) }

    func stop() { uv_stop(raw) }

    /// Refreshes libuv's cached millisecond clock, which timers count from.
    func updateTime() { uv_update_time(raw) }

    /// Monotonic nanoseconds.
    static func hrtime() -> UInt64 { uv_hrtime() }

    /// The handles libuv still knows of, including closing ones.
    func liveHandles() -> [(label: String, isInternal: Bool, isClosing: Bool)] {
        final class Collector {
            var found: [(label: String, isInternal: Bool, isClosing: Bool)] = []
        }
        let collector = Collector()
        withExtendedLifetime(collector) {
            uv_walk(raw, { handle, context in
                let collector = Unmanaged<Collector>.fromOpaque(context!).takeUnretainedValue()
                let closing = uv_is_closing(handle) != 0
                if let data = handle!.pointee.data {
                    let owner = Unmanaged<UVHandle>.fromOpaque(data).takeUnretainedValue()
                    collector.found.append((owner.label, owner.isInternal, closing))
                } else {
                    let name = String(cString: uv_handle_type_name(uv_handle_get_type(handle)))
                    collector.found.append((name, false, closing))
                }
            }, Unmanaged.passUnretained(collector).toOpaque())
        }
        return collector.found
    }

    /// Starts closing every handle not yet closing, ours through their wrappers.
    func closeAllHandles() {
        uv_walk(raw, { handle, _ in
            guard uv_is_closing(handle) == 0 else { return }
            if let data = handle!.pointee.data {
                Unmanaged<UVHandle>.fromOpaque(data).takeUnretainedValue().close()
            } else {
                uv_close(handle, nil)
            }
        }, nil)
    }

    /// Frees the loop's resources; fails with EBUSY while handles or requests remain.
    func close() throws(OSError) {
        let status = uv_loop_close(raw)
        guard status == 0 else { throw OSError(uvStatus: status, operation: "uv_loop_close") }
        raw.deallocate()
    }
}
