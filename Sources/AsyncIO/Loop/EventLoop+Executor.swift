/// The loop is the executor of its tasks: a job enqueued on the loop thread goes straight
/// into the ready queue; from another thread it goes through the locked inbox and wakes
/// the loop.
extension EventLoop: SerialExecutor, TaskExecutor {
    /// Queues a job of a task that prefers this loop (or of an actor it executes).
    public func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        if isOnLoopThread {
            appendReady(.job(job))
        } else {
            enqueueThreadsafe(.job(job))
        }
    }

    /// The loop as the serial executor of code isolated to it.
    public func asUnownedSerialExecutor() -> UnownedSerialExecutor {
        UnownedSerialExecutor(ordinary: self)
    }

    /// The loop as the preferred executor of its tasks (`Task(executorPreference: loop)`).
    public func asUnownedTaskExecutor() -> UnownedTaskExecutor {
        UnownedTaskExecutor(ordinary: self)
    }

    /// Lets `assumeIsolated` work inside plain libuv callbacks, where no task runs.
    public func isIsolatingCurrentContext() -> Bool? {
        isOnLoopThread
    }

    /// Stops the program unless called on the loop's thread (the runtime's isolation check).
    public func checkIsolated() {
        precondition(isOnLoopThread, "not on the event loop's thread")
    }
}
