/// A child process and its pipes: asyncio's `SubprocessTransport`.
public protocol SubprocessTransport: BaseTransport {
    /// The child's process id (asyncio's `get_pid()`).
    var pid: Int32 { get }

    /// The exit status once the child exited, else nil; -N for death by signal N
    /// (asyncio's `get_returncode()`).
    var returnCode: Int32? { get }

    /// The transport of the child's stdin (0), stdout (1) or stderr (2), if piped.
    func getPipeTransport(_ fd: Int32) -> (any BaseTransport)?

    /// Sends `signal` to the child (asyncio's `send_signal`).
    func sendSignal(_ signal: Int32) throws

    /// Sends SIGTERM (asyncio's `terminate`).
    func terminate() throws

    /// Sends SIGKILL (asyncio's `kill`).
    func kill() throws
}
