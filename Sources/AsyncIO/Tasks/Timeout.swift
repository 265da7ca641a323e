/// A deadline over a block of loop code: asyncio's `Timeout`, the object
/// `loop.timeout(_:_:)` and `loop.timeoutAt(_:_:)` hand to their body.
///
/// When the deadline passes, the body is cancelled; if it then ends with
/// `CancellationError`, the scope throws `TimeoutError` instead. `reschedule` moves the
/// deadline (or removes it, with nil) while the scope is active. Loop-bound: use it on
/// its loop only.
///
/// The states are asyncio's: active until the deadline passes (expiring: the body was
/// cancelled and has not ended yet) or the body ends (finished); a scope whose deadline
/// passed ends expired. asyncio's "created" state (a `Timeout` made but not entered) does
/// not exist here: the scope is entered by the call that makes it.
public final class Timeout {
    enum State: String {
        case active
        case expiring
        case expired
        case finished
    }

    /// The loop whose clock `when` is on.
    public let loop: EventLoop
    private(set) var state = State.active
    /// The deadline on the loop's clock (`loop.time()`), nil for none (asyncio's
    /// `when()`).
    public private(set) var when: Double?
    private var timer: Handle?
    /// Cancels the body's task; set when the scope starts it.
    var cancelBody: () -> Void = {}

    init(loop: EventLoop, when: Double?) {
        self.loop = loop
        self.when = when
    }

    /// Whether the deadline passed while the scope ran (asyncio's `expired()`).
    public var expired: Bool { state == .expiring || state == .expired }

    /// Moves the deadline to `when` on the loop's clock, or removes it with nil (asyncio's
    /// `reschedule`). A deadline already past fires on the next iteration. Throws
    /// `TimeoutUsageError` unless the scope is active: once it is expiring, expired or
    /// finished its outcome is decided.
    public func reschedule(_ when: Double?) throws(TimeoutUsageError) {
        loop.assertOnLoopThread()
        guard state == .active else {
            throw TimeoutUsageError("Cannot change state of \(state.rawValue) Timeout")
        }
        self.when = when
        timer?.cancel()
        timer = nil
        guard let when else { return }
        // asyncio calls a past deadline soon rather than at once, so the body runs up to
        // its next suspension first.
        if when <= loop.time() {
            timer = loop.scheduleSoon { [weak self] in self?.deadlinePassed() }
        } else {
            timer = loop.scheduleAt(when) { [weak self] in self?.deadlinePassed() }
        }
    }

    private func deadlinePassed() {
        guard state == .active else { return }
        state = .expiring
        timer = nil
        cancelBody()
    }

    /// Ends the scope once the body has ended: expired if the deadline passed, finished if
    /// not. Returns whether the deadline passed.
    func exit() -> Bool {
        timer?.cancel()
        timer = nil
        cancelBody = {}
        if state == .expiring {
            state = .expired
            return true
        }
        state = .finished
        return false
    }
}

extension Timeout: CustomStringConvertible {
    /// asyncio's `repr`: `<Timeout [active] when=12.345>` (the deadline rounded to the
    /// millisecond, `None` for none), `<Timeout [expired]>`.
    public var description: String {
        guard state == .active else { return "<Timeout [\(state.rawValue)]>" }
        guard let when else { return "<Timeout [active] when=None>" }
        return "<Timeout [active] when=\((when * 1000).rounded() / 1000)>"
    }
}
