/// A transport that receives bytes: asyncio's `ReadTransport`.
public protocol ReadTransport: BaseTransport {
    /// Whether the transport is receiving (asyncio's `is_reading()`).
    var isReading: Bool { get }

    /// Stops delivering data until `resumeReading`; idempotent (asyncio's `pause_reading`).
    func pauseReading()

    /// Delivers data again; idempotent (asyncio's `resume_reading`).
    func resumeReading()
}
