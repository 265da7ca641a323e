/// asyncio's `ValueError` for `set_write_buffer_limits`: `high (1) must be >= low (2) must be >= 0`.
public struct WriteBufferLimitsError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The high-water mark that was computed from the arguments.
    public var high: Int
    /// The low-water mark that was computed from the arguments.
    public var low: Int

    /// asyncio's message: `high (1) must be >= low (2) must be >= 0`.
    public var description: String { "high (\(high)) must be >= low (\(low)) must be >= 0" }
}

/// The flow-control marks of a write buffer (asyncio's `_FlowControlMixin`), shared by
/// the transports that buffer writes.
struct WriteBufferLimits: Equatable {
    var high: Int
    var low: Int

    /// asyncio's defaults: 64 KiB high, a quarter of it low.
    static let `default` = WriteBufferLimits(high: 64 * 1024, low: 16 * 1024)

    private init(high: Int, low: Int) {
        self.high = high
        self.low = low
    }

    /// asyncio's `_set_write_buffer_limits`: a missing high is 4 × low (64 KiB when both
    /// are missing), a missing low is high / 4; `high >= low >= 0` must hold.
    init(high: Int?, low: Int?) throws(WriteBufferLimitsError) {
        let high = high ?? low.map { 4 * $0 } ?? 64 * 1024
        // Python's floor division, so a negative high yields asyncio's message.
        let low = low ?? (high >= 0 ? high / 4 : (high - 3) / 4)
        guard high >= low, low >= 0 else { throw WriteBufferLimitsError(high: high, low: low) }
        self.init(high: high, low: low)
    }
}
