/// A timer in the loop's heap, ordered by due time, then by scheduling order.
struct ScheduledTimer: Comparable {
    let handle: TimerHandle

    static func < (lhs: ScheduledTimer, rhs: ScheduledTimer) -> Bool {
        if lhs.handle.when != rhs.handle.when { return lhs.handle.when < rhs.handle.when }
        return lhs.handle.sequence < rhs.handle.sequence
    }

    static func == (lhs: ScheduledTimer, rhs: ScheduledTimer) -> Bool {
        lhs.handle === rhs.handle
    }
}
