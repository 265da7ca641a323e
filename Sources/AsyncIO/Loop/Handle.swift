/// A callback scheduled on an event loop: asyncio's `Handle`, returned by
/// `EventLoop.callSoon`. Cancel it to keep it from running. Loop thread only.
public class Handle: @unchecked Sendable, CustomStringConvertible {
    private(set) var callback: (() throws -> Void)?
    private let file: StaticString
    private let line: UInt

    init(_ callback: @escaping () throws -> Void, file: StaticString, line: UInt) {
        self.callback = callback
        self.file = file
        self.line = line
    }

    /// Whether `cancel()` was called (asyncio's `Handle.cancelled()`).
    public final var isCancelled: Bool { callback == nil }

    /// Keeps the callback from running; a no-op once it ran or was cancelled.
    /// Drops the callback at once, so what it captured is freed.
    public func cancel() {
        callback = nil
    }

    /// Where the callback was scheduled, for slow-callback warnings and error reports.
    public var description: String {
        "<\(kind)\(isCancelled ? " cancelled" : "") scheduled at \(file):\(line)>"
    }

    var kind: String { "Handle" }
}

/// A callback scheduled for a point in time: asyncio's `TimerHandle`, returned by
/// `EventLoop.callLater` and `callAt`.
public final class TimerHandle: Handle, @unchecked Sendable {
    /// When it is due, on the loop's clock (`EventLoop.time()`).
    public let when: Double
    let sequence: UInt64
    private unowned let loop: EventLoop

    init(when: Double, sequence: UInt64, loop: EventLoop, _ callback: @escaping () throws -> Void, file: StaticString, line: UInt) {
        self.when = when
        self.sequence = sequence
        self.loop = loop
        super.init(callback, file: file, line: line)
    }

    /// Keeps the timer from firing and lets the loop drop it from its heap.
    public override func cancel() {
        guard !isCancelled else { return }
        super.cancel()
        loop.timerCancelled()
    }

    override var kind: String { "TimerHandle when=\(when)" }
}
