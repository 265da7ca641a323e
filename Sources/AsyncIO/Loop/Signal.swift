import Glibc

/// A POSIX signal by its Swift name: Python's `signal.SIGINT` etc. (`signal.Signals`),
/// for `addSignalHandler`, `removeSignalHandler` and `sendSignal`. Each name is written
/// once, here, as its C value; the typed overloads pass `rawValue` to the Int32 forms.
public struct Signal: RawRepresentable, Hashable, Sendable {
    /// The C signal number (`SIGINT`, ...).
    public var rawValue: Int32
    /// A signal by its number, for the ones without a name here (`SIGRTMIN + n`, ...).
    public init(rawValue: Int32) { self.rawValue = rawValue }

    /// `SIGINT`: interrupt from the terminal (Ctrl-C).
    public static let interrupt = Signal(rawValue: SIGINT)
    /// `SIGTERM`: a polite request to terminate (what service managers send).
    public static let terminate = Signal(rawValue: SIGTERM)
    /// `SIGHUP`: the terminal hung up; daemons take it as "reload".
    public static let hangup = Signal(rawValue: SIGHUP)
    /// `SIGQUIT`: quit from the terminal (Ctrl-\).
    public static let quit = Signal(rawValue: SIGQUIT)
    /// `SIGUSR1`: for the application's own use.
    public static let user1 = Signal(rawValue: SIGUSR1)
    /// `SIGUSR2`: for the application's own use.
    public static let user2 = Signal(rawValue: SIGUSR2)
    /// `SIGCHLD`: a child process stopped or exited.
    public static let child = Signal(rawValue: SIGCHLD)
    /// `SIGPIPE`: a write to a pipe or socket with no reader.
    public static let pipe = Signal(rawValue: SIGPIPE)
    /// `SIGALRM`: a timer set with `alarm` expired.
    public static let alarm = Signal(rawValue: SIGALRM)
    /// `SIGWINCH`: the terminal's window size changed.
    public static let windowChange = Signal(rawValue: SIGWINCH)
    /// `SIGKILL`: terminate at once; cannot be caught (`addSignalHandler` throws).
    public static let kill = Signal(rawValue: SIGKILL)
}

extension EventLoop {
    /// `addSignalHandler(_:_:)` by the signal's Swift name:
    /// `loop.addSignalHandler(.terminate) { loop.stop() }`.
    public nonisolated func addSignalHandler(_ signal: Signal, _ callback: @escaping () throws -> Void) throws {
        try addSignalHandler(signal.rawValue, callback)
    }

    /// `removeSignalHandler(_:)` by the signal's Swift name; returns whether there was one.
    @discardableResult
    public nonisolated func removeSignalHandler(_ signal: Signal) -> Bool {
        removeSignalHandler(signal.rawValue)
    }
}

extension SubprocessTransport {
    /// `sendSignal(_:)` by the signal's Swift name: `transport.sendSignal(.hangup)`.
    public func sendSignal(_ signal: Signal) throws {
        try sendSignal(signal.rawValue)
    }
}
