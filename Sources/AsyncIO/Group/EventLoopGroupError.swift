/// Misuse of an `EventLoopGroup`.
public enum EventLoopGroupError: Error, Sendable, Equatable, CustomStringConvertible {
    /// `run` on a group that already ran (its loops are closed).
    case alreadyRan
    /// A group operation (`createServer`, `startServer`) while the group is not running.
    case notRunning
    /// The group is shutting down and takes no new server.
    case stopping

    /// What went wrong, and what to do instead.
    public var description: String {
        switch self {
        case .alreadyRan: "This EventLoopGroup already ran; make a new one"
        case .notRunning: "The EventLoopGroup is not running: call it from code inside group.run"
        case .stopping: "The EventLoopGroup is shutting down"
        }
    }
}
