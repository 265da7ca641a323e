/// Where a transport is in its life: asyncio's `_closing` flag and `_conn_lost` counter as
/// one value. Every transport moves forward only: open → closing → closed → lost (closing
/// and closed may be skipped).
enum CloseState: Equatable {
    /// Reading and writing.
    case open
    /// `close()` was called and the transport waits for its write buffer to drain (asyncio's
    /// `_closing` with `_conn_lost == 0`). Reading has stopped; a socket still takes writes.
    case closing
    /// The handle is closed (or closing) and `connectionLost` is scheduled but not yet
    /// delivered (asyncio's `_conn_lost > 0`). Writes are dropped.
    case closed
    /// `connectionLost` was delivered and the protocol let go of.
    case lost

    /// Whether the connection still carries data: open, or flushing before the close.
    var isConnected: Bool { self == .open || self == .closing }

    /// What a transport's description says of it: nothing while open.
    var label: String {
        switch self {
        case .open: ""
        case .closing: " closing"
        case .closed, .lost: " closed"
        }
    }
}
