import Glibc

/// A POSIX thread running one closure: the thread of one loop of a group, or of an
/// `EventLoopService` (AsyncIOServiceLifecycle reaches it through `@_spi(LoopThreads)`,
/// so the rule is written once and is no public API).
///
/// Plain pthreads, not Foundation's `Thread`: the library does not link Foundation, and
/// the loop needs nothing from a thread but to be run on it and joined.
@_spi(LoopThreads)
public struct LoopThread: Sendable {
    private let thread: pthread_t

    /// Starts a thread running `body`; throws `OSError` if the system refuses one.
    public init(_ body: @escaping @Sendable () -> Void) throws(OSError) {
        let context = Unmanaged.passRetained(ThreadBody(body))
        var thread = pthread_t()
        let status = pthread_create(&thread, nil, { raw in
            Unmanaged<ThreadBody>.fromOpaque(raw!).takeRetainedValue().body()
            return nil
        }, context.toOpaque())
        guard status == 0 else {
            context.release()
            throw OSError(errno: status, operation: "pthread_create")
        }
        self.thread = thread
    }

    /// Waits until the thread has finished.
    public func join() {
        pthread_join(thread, nil)
    }

    /// Lets the thread end on its own, with nobody to join it.
    public func detach() {
        pthread_detach(thread)
    }
}

/// The closure a new thread runs, carried through pthread_create's `void *` argument.
private final class ThreadBody: Sendable {
    let body: @Sendable () -> Void
    init(_ body: @escaping @Sendable () -> Void) { self.body = body }
}
