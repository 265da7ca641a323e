import CLibUV

/// A libuv request (`uv_write_t`, `uv_shutdown_t`, `uv_udp_send_t`) and the completion it
/// runs: it keeps itself alive from submission until libuv's callback (retained through
/// the request's `data` field), and frees the request memory after it. Each request kind
/// subclasses it with what it carries (the bytes it sends).
class UVRequest<Raw> {
    let request: UnsafeMutablePointer<Raw> = .allocate(capacity: 1)
    private var completion: ((Int32) -> Void)?

    init(completion: @escaping (Int32) -> Void) {
        self.completion = completion
    }

    deinit { request.deallocate() }

    /// Submits the request: `start` stores the retained pointer it is given in the
    /// request's `data` and calls libuv, whose callback must call `complete`. Returns
    /// libuv's status; on failure libuv will not call back, so the retain is dropped.
    final func submit(_ start: (UnsafeMutablePointer<Raw>, UnsafeMutableRawPointer) -> Int32) -> Int32 {
        let retained = Unmanaged.passRetained(self).toOpaque()
        let status = start(request, retained)
        if status != 0 { Unmanaged<UVRequest<Raw>>.fromOpaque(retained).release() }
        return status
    }

    /// libuv's callback for the request whose `data` is `data`: runs the completion once
    /// with libuv's status and lets the request go.
    static func complete(_ data: UnsafeMutableRawPointer?, _ status: Int32) {
        let owner = Unmanaged<UVRequest<Raw>>.fromOpaque(data!).takeRetainedValue()
        let completion = owner.completion
        owner.completion = nil
        completion?(status)
    }
}
