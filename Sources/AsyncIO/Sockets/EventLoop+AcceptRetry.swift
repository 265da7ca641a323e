import Glibc

/// asyncio's rule for an accept that fails because the process or the system ran out of
/// descriptors or memory (`selector_events._accept_connection`): report it to the
/// exception handler, stop accepting for `constants.ACCEPT_RETRY_DELAY`, then try again,
/// so a server neither spins on a listening socket that stays readable nor dies.
/// `Server` and `sockAcceptRetrying` both follow it; unlike asyncio, which reports every
/// failed retry, both report once per episode (the first failure after a success).
enum AcceptShortage {
    /// asyncio's `constants.ACCEPT_RETRY_DELAY`.
    static let retryDelay: Duration = .seconds(1)

    /// Whether `error` is one to wait out rather than a failure of the listening socket.
    static func isShortage(_ error: OSError) -> Bool {
        [EMFILE, ENFILE, ENOBUFS, ENOMEM].contains(error.errno)
    }

    /// Reports the start of an episode, in asyncio's words.
    static func report(_ error: OSError, listener: Socket, to loop: EventLoop) {
        loop.callExceptionHandler(ExceptionContext(
            message: "socket.accept() out of system resource", error: error,
            extra: ["socket": "\(listener)"]))
    }
}

extension EventLoop {
    /// Accepts a connection as `sockAccept` does, but waits out a shortage of descriptors
    /// or memory (EMFILE, ENFILE, ENOBUFS, ENOMEM) the way asyncio's servers do instead
    /// of throwing it: the first failure is reported to the exception handler
    /// ("socket.accept() out of system resource"), then the accept is tried again every
    /// second until it succeeds. The connections waiting meanwhile stay in the kernel's
    /// backlog. Other errors, and cancellation, throw as from `sockAccept`.
    ///
    /// An addition to asyncio, whose `sock_accept` raises the error and leaves an accept
    /// loop to handle it: with this, `while true { sockAcceptRetrying; createTask }`
    /// serves again once descriptors are free instead of ending at the first EMFILE.
    public func sockAcceptRetrying(_ sock: Socket) async throws -> (Socket, SocketAddress) {
        var reported = false
        while true {
            do {
                return try await sockAccept(sock)
            } catch let error as OSError where AcceptShortage.isShortage(error) {
                if !reported {
                    reported = true
                    AcceptShortage.report(error, listener: sock, to: self)
                }
                try await sleep(AcceptShortage.retryDelay)
            }
        }
    }
}
