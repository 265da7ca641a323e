/// asyncio's `_conn_lost` counter: one for the loss itself, one more per write dropped
/// after it; from `warningThreshold` on, each dropped write logs a warning, so a handler
/// that keeps writing into a dead connection is noticed. The transports and the TLS layer
/// each keep one.
struct LostWriteCounter {
    /// asyncio's `constants.LOG_THRESHOLD_FOR_CONNLOST_WRITES`.
    static let warningThreshold = 5

    private(set) var count = 0

    /// The connection was lost (asyncio's `_conn_lost += 1` when it closes).
    mutating func connectionLost() { count += 1 }

    /// A write was dropped: counted, and `warning` logged once past the threshold.
    mutating func dropWrite(_ loop: EventLoop, warning: @autoclosure () -> String) {
        if count >= Self.warningThreshold { loop.logger.warning("\(warning())") }
        count += 1
    }
}
