/// Misuse of an event loop that asyncio reports as `RuntimeError`.
public enum EventLoopError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The loop was closed ("Event loop is closed").
    case closed
    /// `runForever`/`runUntilComplete` on a loop that is already running.
    case alreadyRunning
    /// Running a loop on a thread where another loop is running.
    case anotherLoopRunning
    /// `runUntilComplete` returned because `stop()` was called first.
    case stoppedBeforeCompletion
    /// `close()` on a running loop.
    case closeWhileRunning

    /// The text asyncio's `RuntimeError` carries for the same misuse.
    public var description: String {
        switch self {
        case .closed: "Event loop is closed"
        case .alreadyRunning: "This event loop is already running"
        case .anotherLoopRunning: "Cannot run the event loop while another loop is running"
        case .stoppedBeforeCompletion: "Event loop stopped before Future completed."
        case .closeWhileRunning: "Cannot close a running event loop"
        }
    }
}
