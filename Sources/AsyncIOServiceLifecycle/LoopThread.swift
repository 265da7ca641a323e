import AsyncIO
import Glibc

/// Starts the thread an `EventLoopService` runs its loop on.
///
/// A plain POSIX thread rather than Foundation's `Thread`, so the service brings no
/// Foundation into a server that does not use it (see BENCHMARKS.md, "Memory").
enum LoopThread {
    /// Runs `body` on a new detached thread.
    /// Throws `OSError` if the thread cannot be made.
    static func start(_ body: @escaping @Sendable () -> Void) throws {
        let context = Unmanaged.passRetained(Body(body)).toOpaque()
        var thread = pthread_t()
        let status = pthread_create(&thread, nil, { context in
            Unmanaged<Body>.fromOpaque(context!).takeRetainedValue().run()
            return nil
        }, context)
        guard status == 0 else {
            Unmanaged<Body>.fromOpaque(context).release()
            throw OSError(errno: status, operation: "pthread_create")
        }
        pthread_detach(thread)
    }

    /// The closure, boxed to travel through pthread_create's context pointer.
    private final class Body: Sendable {
        let run: @Sendable () -> Void
        init(_ run: @escaping @Sendable () -> Void) { self.run = run }
    }
}
