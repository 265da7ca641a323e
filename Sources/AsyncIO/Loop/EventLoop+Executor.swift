/// The loop is the executor of its tasks: a job enqueued on the loop thread goes straight
/// into the ready queue; from another thread it goes through the locked inbox and wakes
/// the loop.
extension EventLoop: TaskExecutor {
    /// Queues a job of a task that prefers this loop (or of code isolated to it).
    public nonisolated func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        if isOnLoopThread {
            appendReady(.job(job))
        } else {
            enqueueThreadsafe(.job(job))
        }
    }

    /// The loop as the preferred executor of its tasks (`Task(executorPreference: loop)`).
    public nonisolated func asUnownedTaskExecutor() -> UnownedTaskExecutor {
        UnownedTaskExecutor(ordinary: self)
    }

    /// The serial executor of code isolated to the loop (the actor's executor).
    public nonisolated var unownedExecutor: UnownedSerialExecutor {
        serialExecutor.asUnownedSerialExecutor()
    }
}

/// The serial executor of the loop actor: its jobs go into the loop's ready queue like the
/// loop's own.
///
/// It is a separate object from the loop, and every job runs with
/// `runSynchronously(isolatedTo: this, taskExecutor: loop)`: then a task that awaits in
/// loop-isolated code and is resumed from a libuv callback costs one trip through the
/// ready queue, as a nonisolated task on the loop did before. With the loop as its own
/// serial executor the same job livelocks, and with jobs run `on:` the task executor only,
/// isolated code pays three or four trips per await (docs/concurrency.md).
final class LoopSerialExecutor: SerialExecutor, @unchecked Sendable {
    /// Set once, by the loop's initializer, before any job exists; the loop outlives its
    /// executor's jobs.
    unowned(unsafe) var loop: EventLoop!

    func enqueue(_ job: consuming ExecutorJob) {
        loop.enqueue(job)
    }

    func asUnownedSerialExecutor() -> UnownedSerialExecutor {
        UnownedSerialExecutor(ordinary: self)
    }

    /// Lets `assumeIsolated` work inside plain libuv callbacks, where no task runs, and on
    /// the thread that owns a loop that is not running yet.
    func isIsolatingCurrentContext() -> Bool? {
        loop.isOnLoopThread || (!loop.isRunning && !loop.isClosed && EventLoop.current == nil)
    }

    /// Stops the program unless called where the loop's state may be touched.
    func checkIsolated() {
        precondition(isIsolatingCurrentContext() == true, "not on the event loop's thread")
    }
}
