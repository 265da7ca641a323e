/// The pause/resume rule of a buffer with two marks: asyncio's `_FlowControlMixin` for a
/// transport's write buffer, and the TLS layer's `_control_app_writing` and
/// `_control_ssl_reading`. The owner asks it after the buffer grows or shrinks and acts
/// (tells its protocol, or pauses its reading) when it answers true; each answer comes
/// once per crossing.
struct BufferFlowControl {
    var limits: WriteBufferLimits
    /// Whether a buffer exactly at the high mark pauses: asyncio's transports pause above
    /// it (`size > high`), its TLS layer at it (`size >= high`).
    let pausesAtHighMark: Bool
    private(set) var isPaused = false

    init(limits: WriteBufferLimits = .default, pausesAtHighMark: Bool = false) {
        self.limits = limits
        self.pausesAtHighMark = pausesAtHighMark
    }

    /// True once, when the buffer goes above the high mark (or reaches it, with
    /// `pausesAtHighMark`): the owner then pauses.
    mutating func shouldPause(bufferSize: Int) -> Bool {
        guard !isPaused else { return false }
        guard bufferSize > limits.high || (pausesAtHighMark && bufferSize == limits.high) else { return false }
        isPaused = true
        return true
    }

    /// True once, when the buffer drains to the low mark: the owner then resumes.
    mutating func shouldResume(bufferSize: Int) -> Bool {
        guard isPaused, bufferSize <= limits.low else { return false }
        isPaused = false
        return true
    }
}
