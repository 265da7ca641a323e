import CAsyncIOSupport

/// A loop that runs on the process's main thread also runs libdispatch's main queue, so
/// the main actor keeps working while that thread sits in `uv_run`.
///
/// Why the main queue: on Linux the main actor's executor is libdispatch's main queue. In
/// the Swift runtime (swiftlang/swift, stdlib/public/Concurrency), `MainActor`'s jobs go
/// through `swift_task_enqueueMainExecutor`, whose Dispatch implementation,
/// `swift_dispatchEnqueueMain` in DispatchGlobalExecutor.cpp, enqueues them on
/// `dispatch_get_main_queue()`; in 6.2 and later the Swift-side executors say the same
/// (`PlatformExecutorLinux.swift`: `mainExecutor = DispatchMainExecutor()`, whose `enqueue`
/// is `_dispatchEnqueueMain`). The 6.3.1 toolchain's `swift_dispatchEnqueueMain` loads
/// `_dispatch_main_q`. Nothing drains that queue unless the main thread calls
/// `dispatch_main()` or runs a CFRunLoop, so `await MainActor.run {}` from a loop on the
/// main thread used to wait forever.
///
/// How: libdispatch exports the hooks CoreFoundation's run loop uses,
/// `_dispatch_get_main_queue_handle_4CF` (an eventfd libdispatch writes when the queue
/// turns non-empty) and `_dispatch_main_queue_callback_4CF` (runs the queued jobs; it
/// crashes off the main thread). While the loop runs on the main thread, an unreferenced
/// `uv_poll_t` watches that eventfd; when it is readable the loop reads it and drains the
/// queue, in libuv's poll phase, outside any job of its own. The handle is started in
/// `runForever` and stopped when it returns, so an idle main queue costs no system call
/// per iteration (the descriptor only sits in the epoll set), and it is closed in `close()`.
///
/// If this libdispatch lacks the hooks (they are SPI, though Foundation depends on them),
/// the loop logs a warning (once) and goes without: main-actor jobs then wait, and
/// `EventLoop.run` reports a task stuck on them when it gives up on it at shutdown.
extension EventLoop {
    /// libdispatch's main-queue descriptor, asked for the first time a loop runs on the
    /// main thread (asking creates the eventfd); nil when the hooks are missing.
    private static let mainQueueDescriptor: Int32? = {
        let descriptor = asyncio_main_queue_descriptor()
        return descriptor >= 0 ? descriptor : nil
    }()

    /// Whether the loop is watching the main queue now (tests).
    nonisolated var isDrainingMainQueue: Bool { mainQueueWatch?.isActive ?? false }

    /// Called by `runForever` once the loop counts as running on this thread.
    nonisolated func startDrainingMainQueue() {
        guard asyncio_is_main_thread() != 0 else { return }
        if mainQueueWatch == nil {
            guard let watch = makeMainQueueWatch() else { return }
            mainQueueWatch = watch
        }
        do {
            try mainQueueWatch?.start(UVPoll.readable)
        } catch {
            logger.warning("cannot watch the main queue: \(error); MainActor jobs wait while this loop runs")
        }
    }

    /// Called by `runForever` before it returns: between runs the main thread is the
    /// caller's, and whoever runs it next (another loop, a CFRunLoop) drains the queue.
    nonisolated func stopDrainingMainQueue() {
        mainQueueWatch?.stop()
    }

    private nonisolated func makeMainQueueWatch() -> UVPoll? {
        guard !mainQueueUnavailable else { return nil }
        guard let descriptor = Self.mainQueueDescriptor else {
            mainQueueUnavailable = true
            logger.warning("""
                libdispatch has no main-queue hooks (_dispatch_get_main_queue_handle_4CF): \
                MainActor jobs wait while this loop runs on the main thread
                """)
            return nil
        }
        do {
            let watch = try UVPoll(loop: uv, descriptor: descriptor, label: "main queue drain", isInternal: true)
            watch.onEvents = { status, _ in
                // A negative status (POLLERR; not expected of an eventfd) stopped the handle.
                guard status == 0 else { return }
                asyncio_main_queue_drain(descriptor)
            }
            // Queued main-actor work must not keep runUntilIdle (close) or a run alive.
            watch.unref()
            return watch
        } catch {
            mainQueueUnavailable = true
            logger.warning("cannot watch the main queue: \(error); MainActor jobs wait while this loop runs")
            return nil
        }
    }
}
