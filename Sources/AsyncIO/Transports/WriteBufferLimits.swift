/// asyncio's `ValueError` for `set_write_buffer_limits`: `high (1) must be >= low (2) must be >= 0`.
public struct WriteBufferLimitsError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The high-water mark that was computed from the arguments.
    public var high: Int
    /// The low-water mark that was computed from the arguments.
    public var low: Int

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

/// asyncio's `ValueError` for invalid argument combinations of the loop's connection and
/// server methods ("host/port and sock can not be specified at the same time").
public struct InvalidArgumentError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What is wrong with the arguments.
    public var message: String

    /// An error saying `message`.
    public init(_ message: String) { self.message = message }

    public var description: String { message }
}

/// The flow-control state of a transport's write buffer (asyncio's `_FlowControlMixin`):
/// the marks, and whether the protocol was told to pause. Each transport asks it after
/// its buffer grows or shrinks, and tells its protocol when it answers true.
struct WriteFlowControl {
    var limits = WriteBufferLimits.default
    private(set) var isProtocolPaused = false

    /// asyncio's `_maybe_pause_protocol`: true once, when the buffer goes above the high
    /// mark; the caller then calls `pauseWriting`.
    mutating func shouldPause(bufferSize: Int) -> Bool {
        guard !isProtocolPaused, bufferSize > limits.high else { return false }
        isProtocolPaused = true
        return true
    }

    /// asyncio's `_maybe_resume_protocol`: true once, when the buffer drains to the low
    /// mark; the caller then calls `resumeWriting`.
    mutating func shouldResume(bufferSize: Int) -> Bool {
        guard isProtocolPaused, bufferSize <= limits.low else { return false }
        isProtocolPaused = false
        return true
    }
}
