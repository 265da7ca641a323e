import CLibUV

/// One `uv_work_t` request: `work` runs on libuv's thread pool, `completion` back on the
/// loop thread with 0 or `UV_ECANCELED`.
final class UVWork {
    private let request: UnsafeMutablePointer<uv_work_t>
    private let work: @Sendable () -> Void
    private var completion: ((_ cancelled: Bool) -> Void)?

    private init(work: @escaping @Sendable () -> Void, completion: @escaping (_ cancelled: Bool) -> Void) {
        request = .allocate(capacity: 1)
        self.work = work
        self.completion = completion
    }

    deinit { request.deallocate() }

    /// Queues `work`; the request keeps itself alive until `completion` ran.
    @discardableResult
    static func queue(
        on loop: UVLoop,
        work: @escaping @Sendable () -> Void,
        completion: @escaping (_ cancelled: Bool) -> Void
    ) -> UVWork {
        let item = UVWork(work: work, completion: completion)
        item.request.pointee.data = Unmanaged.passRetained(item).toOpaque()
        let status = uv_queue_work(loop.raw, item.request, { raw in
            Unmanaged<UVWork>.fromOpaque(raw!.pointee.data!).takeUnretainedValue().work()
        }, { raw, status in
            let item = Unmanaged<UVWork>.fromOpaque(raw!.pointee.data!).takeRetainedValue()
            let completion = item.completion
            item.completion = nil
            completion?(status == UV_ECANCELED.rawValue)
        })
        precondition(status == 0, "uv_queue_work failed: \(status)")
        return item
    }

    /// Cancels the work if no pool thread has started it; then completion reports it.
    func cancel() {
        guard completion != nil else { return }
        uv_cancel(asyncio_uv_req(request))
    }
}
