/// Where one of a child's standard streams goes: asyncio's `stdin=`/`stdout=`/`stderr=`
/// arguments (`subprocess.PIPE`, `DEVNULL`, `None`, a file descriptor, `STDOUT`).
public enum SubprocessStdio: Sendable, Equatable {
    /// A new pipe to the child, reachable through `getPipeTransport` (asyncio's `PIPE`).
    case pipe
    /// `/dev/null` (asyncio's `DEVNULL`).
    case devNull
    /// The same descriptor as ours (asyncio's `None`).
    case inherit
    /// A duplicate of this open descriptor of ours; it stays ours to close.
    case fileDescriptor(Int32)
    /// For `stderr` only: wherever stdout goes (asyncio's `STDOUT`).
    case stdout
}
