import CAsyncIOSupport
import DequeModule
import Glibc
import HeapModule
import Logging

/// An asyncio event loop on libuv, and the Swift executor its tasks run on.
///
/// asyncio's `AbstractEventLoop`. Callbacks, protocol methods and the tasks created with
/// `createTask` all run on the thread that runs the loop, so awaiting I/O never hops
/// threads. `callSoon` callbacks and task jobs share one FIFO ready queue, drained once
/// per iteration after libuv polled for I/O; only what was queued when a drain began runs
/// in it, so callbacks that schedule callbacks cannot starve I/O.
///
/// Thread rules: use a loop from the thread that runs it (or, while it is not running,
/// from the thread that owns it). From other threads, only `callSoonThreadsafe`,
/// `runCoroutineThreadsafe`, `stop()` and the executor's `enqueue` may be called.
///
/// A `Task {}` created from a thread that sits inside `runForever` cannot run there; create
/// tasks with `createTask` or `Task(executorPreference: loop)`. The main actor is the
/// exception: a loop on the main thread also runs the main queue, so `MainActor.run` and
/// `@MainActor` code work from loop code (EventLoop+MainQueue.swift).
public actor EventLoop {
    // The loop's own state is `nonisolated(unsafe)`: it is touched only on the loop's
    // thread, but much of that code is libuv callbacks and the library's nonisolated
    // internals (transports, protocol methods), which run on that thread with no task, so
    // the compiler cannot see them as the actor's. The rule is kept at run time instead:
    // the internals enter through `assertOnLoopThread`, and other threads reach the loop
    // only through the locked `inbox` (callSoonThreadsafe, `enqueue`, `stop`).
    nonisolated(unsafe) let uv: UVLoop
    /// The actor's executor (see `LoopSerialExecutor`).
    /// A constant, so the executor checks of every await read it without an access check.
    nonisolated let serialExecutor = LoopSerialExecutor()
    private nonisolated(unsafe) var wakeup: UVAsync!
    private nonisolated(unsafe) var idle: UVIdle!
    private nonisolated(unsafe) var check: UVCheck!
    private nonisolated(unsafe) var timer: UVTimer!

    /// The ready queue (loop thread only).
    private nonisolated(unsafe) var ready = Deque<ReadyItem>()
    /// Work handed over by other threads, moved to `ready` on the next wake-up.
    private nonisolated let inbox = Inbox()

    private nonisolated(unsafe) var timers = Heap<ScheduledTimer>()
    private nonisolated(unsafe) var timerSequence: UInt64 = 0
    private nonisolated(unsafe) var cancelledTimerCount = 0

    private nonisolated(unsafe) var stopping = false
    private nonisolated(unsafe) var _isRunning = false
    private nonisolated(unsafe) var _isClosed = false

    nonisolated(unsafe) var signalHandlers: [Int32: UVSignal] = [:]
    /// Descriptors owned by transports and servers; `sock*` and add/remove reader/writer
    /// refuse them, as asyncio's `_ensure_fd_no_transport` does.
    nonisolated(unsafe) var transportDescriptors = Set<Int32>()
    /// The `uv_poll_t` watchers behind addReader/addWriter and `sock*` (Sockets/PollRegistry.swift).
    nonisolated var pollRegistry: PollRegistry { pollRegistryStorage! }
    private nonisolated(unsafe) var pollRegistryStorage: PollRegistry?
    /// Watches libdispatch's main queue while the loop runs on the main thread
    /// (EventLoop+MainQueue.swift); created the first time it does.
    nonisolated(unsafe) var mainQueueWatch: UVPoll?
    /// Set when the main queue cannot be watched, so the warning is logged once.
    nonisolated(unsafe) var mainQueueUnavailable = false
    /// `sock*` calls in a row that did not wait: the count of their fairness rule
    /// (Sockets/EventLoop+Sockets.swift). A plain field, not checked for exclusivity:
    /// every `sock*` call touches it.
    @exclusivity(unchecked) nonisolated(unsafe) var sockCallsWithoutWaiting = 0
    nonisolated(unsafe) var liveTasks: [UInt64: LiveTask] = [:]
    nonisolated(unsafe) var nextTaskID: UInt64 = 0
    nonisolated(unsafe) var exceptionHandler: ((EventLoop, ExceptionContext) -> Void)?
    /// One loop-wide receive buffer (256 KiB), and its rule: whoever reads into it copies
    /// out exactly what arrived before returning to the loop, so nothing else can run
    /// between the read and the copy and one buffer serves every descriptor of the loop.
    /// Its users: the stream transports (`BaseStreamTransport`: sockets and read pipes
    /// with a `StreamingProtocol`, and a write pipe's `PeerCloseWatch`), the datagram
    /// transport (each datagram), `sockRecv`/`sockRecvFrom` (`Sockets/EventLoop+Sockets.swift`),
    /// and the TLS layer (`SSLProtocol`: ciphertext from the plain transport, and
    /// plaintext decrypted for a `StreamingProtocol`). A `BufferedProtocol` brings its
    /// own buffer instead.
    nonisolated(unsafe) let receiveScratch = UnsafeMutableRawBufferPointer.allocate(byteCount: 256 * 1024, alignment: 16)
    /// Requests made to the resolver (the thread pool); lets tests see the literal-IP fast path.
    nonisolated(unsafe) var resolverRequestCount = 0

    /// asyncio's debug mode: warns about callbacks slower than `slowCallbackDuration`.
    /// Set it on the loop's thread (or before the loop runs); elsewhere it traps.
    public nonisolated var debug: Bool {
        get { debugMode }
        set { assertOnLoopThread("debug"); debugMode = newValue }
    }
    private nonisolated(unsafe) var debugMode = false

    /// The duration above which a callback counts as slow in debug mode (asyncio: 0.1 s).
    /// Set it on the loop's thread (or before the loop runs); elsewhere it traps.
    public nonisolated var slowCallbackDuration: Duration {
        get { slowCallbackThreshold }
        set { assertOnLoopThread("slowCallbackDuration"); slowCallbackThreshold = newValue }
    }
    private nonisolated(unsafe) var slowCallbackThreshold: Duration = .milliseconds(100)

    /// Where the default exception handler and debug-mode warnings write (swift-log).
    /// Set it on the loop's thread (or before the loop runs); elsewhere it traps.
    public nonisolated var logger: Logger {
        get { loopLogger }
        set { assertOnLoopThread("logger"); loopLogger = newValue }
    }
    private nonisolated(unsafe) var loopLogger = Logger(label: "AsyncIO")

    /// A new loop, not running: asyncio's `new_event_loop()`.
    ///
    /// The first loop of a process also makes two process-wide settings (see
    /// `ProcessSetup`): SIGPIPE is ignored, as CPython does, so a peer that closes
    /// mid-write produces an error rather than killing the process; and glibc's malloc
    /// keeps freed memory instead of returning it to the kernel after every large
    /// buffer (opt out with the environment variable `ASYNCIO_KEEP_MALLOC_DEFAULTS`, or
    /// by setting `GLIBC_TUNABLES`).
    public init() throws {
        _ = ProcessSetup.done
        uv = try UVLoop()
        serialExecutor.loop = self
        pollRegistryStorage = PollRegistry(loop: self)
        wakeup = UVAsync(loop: uv, label: "loop wake-up", isInternal: true) { [unowned self] in
            self.drainInbox()
        }
        idle = UVIdle(loop: uv, label: "loop idle", isInternal: true) {}
        check = UVCheck(loop: uv, label: "loop ready-queue drain", isInternal: true) { [unowned self] in
            self.runReady()
        }
        check.start()
        check.unref()
        idle.unref()
        timer = UVTimer(loop: uv, label: "loop timers", isInternal: true) { [unowned self] in
            self.moveDueTimers()
        }
        timer.unref()
    }

    deinit {
        receiveScratch.deallocate()
    }

    // MARK: Thread identity

    private nonisolated var identity: UnsafeMutableRawPointer { Unmanaged.passUnretained(self).toOpaque() }

    /// Whether the calling thread is running this loop.
    public nonisolated var isOnLoopThread: Bool { asyncio_current_loop_get() == identity }

    /// The loop running on the calling thread: asyncio's `get_running_loop()`, nil off-loop.
    public static var current: EventLoop? {
        guard let pointer = asyncio_current_loop_get() else { return nil }
        return Unmanaged<EventLoop>.fromOpaque(pointer).takeUnretainedValue()
    }

    /// Loop-bound objects call this at their public entry points.
    @inline(__always)
    nonisolated func assertOnLoopThread(_ function: StaticString = #function) {
        precondition(isOnLoopThread || (!_isRunning && !_isClosed),
                     "\(function) must be called on the event loop's thread")
    }

    // MARK: State

    /// Whether the loop is running (asyncio's `is_running()`).
    public nonisolated var isRunning: Bool { _isRunning }

    /// Whether the loop was closed (asyncio's `is_closed()`).
    public nonisolated var isClosed: Bool { _isClosed }

    /// The loop's monotonic clock in seconds (asyncio's `loop.time()`); `callAt` takes
    /// times on this clock.
    public nonisolated func time() -> Double {
        Double(UVLoop.hrtime()) / 1e9
    }

    // MARK: The ready queue

    /// Appends to the ready queue; keeps libuv's poll from blocking while work waits.
    @inline(__always)
    nonisolated func appendReady(_ item: ReadyItem) {
        guard !_isClosed else { return }
        ready.append(item)
        if !idle.isStarted { idle.start() }
    }

    /// Hands an item to the loop from any thread.
    nonisolated func enqueueThreadsafe(_ item: ReadyItem) {
        // An empty inbox means no wake-up is pending for earlier items; libuv coalesces
        // sends anyway, this only saves the system call. A closed loop takes nothing.
        if inbox.append(item) { wakeup.send() }
    }

    private nonisolated func drainInbox() {
        let items = inbox.takeAll()
        for item in items { appendReady(item) }
    }

    /// The check-phase drain: runs what was ready when it began (asyncio's rule).
    private nonisolated func runReady() {
        var remaining = ready.count
        while remaining > 0, let item = ready.popFirst() {
            remaining -= 1
            run(item)
        }
        if ready.isEmpty { idle.stop() }
    }

    @inline(__always)
    private nonisolated func run(_ item: ReadyItem) {
        if debug {
            let start = UVLoop.hrtime()
            runItem(item)
            let elapsed = Duration.nanoseconds(Int64(UVLoop.hrtime() - start))
            if elapsed >= slowCallbackDuration {
                logger.warning("Executing \(describe(item)) took \(elapsed)")
            }
        } else {
            runItem(item)
        }
    }

    @inline(__always)
    private nonisolated func runItem(_ item: ReadyItem) {
        switch item {
        case .job(let job):
            job.runSynchronously(isolatedTo: serialExecutor.asUnownedSerialExecutor(),
                                 taskExecutor: asUnownedTaskExecutor())
        case .callback(let handle):
            guard let callback = handle.callback else { return }
            do {
                try callback()
            } catch {
                callExceptionHandler(ExceptionContext(
                    message: "Exception in callback \(handle)", error: error, handle: handle))
            }
        }
    }

    private nonisolated func describe(_ item: ReadyItem) -> String {
        switch item {
        case .job: "a task step"
        case .callback(let handle): "\(handle)"
        }
    }

    // MARK: Timers

    nonisolated func scheduleTimer(
        at when: Double, _ callback: @escaping () throws -> Void, file: StaticString, line: UInt
    ) -> TimerHandle {
        timerSequence &+= 1
        let handle = TimerHandle(when: when, sequence: timerSequence, loop: self, callback, file: file, line: line)
        timers.insert(ScheduledTimer(handle: handle))
        if timers.min!.handle === handle { armTimer() }
        return handle
    }

    nonisolated func timerCancelled() {
        cancelledTimerCount += 1
        // Like asyncio, purge cancelled timers once they are most of the heap, so a
        // program that keeps re-arming timeouts does not grow memory.
        if cancelledTimerCount > 100, cancelledTimerCount * 2 > timers.count {
            timers = Heap(timers.unordered.filter { !$0.handle.isCancelled })
            cancelledTimerCount = 0
            armTimer()
        }
    }

    /// Moves due timers to the ready queue, in time order, then re-arms for the next.
    private nonisolated func moveDueTimers() {
        let now = time()
        while let first = timers.min, first.handle.when <= now {
            _ = timers.removeMin()
            if first.handle.isCancelled {
                cancelledTimerCount -= 1
            } else {
                appendReady(.callback(first.handle))
            }
        }
        armTimer()
    }

    private nonisolated func armTimer() {
        while let first = timers.min, first.handle.isCancelled {
            _ = timers.removeMin()
            cancelledTimerCount -= 1
        }
        guard let first = timers.min else {
            timer.stop()
            return
        }
        // libuv counts whole milliseconds from its cached clock: refresh it and round up,
        // so the timer never fires before `when` (an early wake-up re-arms, never spins).
        uv.updateTime()
        let delay = max(0, first.handle.when - time())
        timer.start(milliseconds: UInt64((delay * 1000).rounded(.up)))
    }

    // MARK: Running

    /// Runs until `stop()` is called: asyncio's `run_forever()`.
    /// Throws if the loop is closed or running, or another loop runs on this thread.
    public nonisolated func runForever() throws(EventLoopError) {
        guard !_isClosed else { throw .closed }
        guard !_isRunning else { throw .alreadyRunning }
        guard asyncio_current_loop_get() == nil else { throw .anotherLoopRunning }
        _isRunning = true
        asyncio_current_loop_set(identity)
        startDrainingMainQueue()
        defer {
            stopDrainingMainQueue()
            asyncio_current_loop_set(nil)
            _isRunning = false
            stopping = false
        }
        drainInbox()
        while true {
            // asyncio polls with timeout 0 once stop() was called (`_run_once`): a loop
            // stopped before it ran, or while idle, runs one iteration and returns
            // instead of blocking until some unrelated event arrives.
            if stopping {
                uv.runNoWait()
            } else {
                uv.runOnce()
            }
            if stopping { break }
        }
    }

    /// Stops the loop after the current iteration: asyncio's `stop()`. Callbacks already
    /// scheduled stay queued for the next run. May be called from any thread.
    public nonisolated func stop() {
        if isOnLoopThread || !_isRunning {
            stopping = true
        } else {
            enqueueThreadsafe(.callback(Handle({ [unowned self] in self.stopping = true }, file: #fileID, line: #line)))
        }
    }

    /// Closes the loop: asyncio's `close()`. Drops queued callbacks, closes every libuv
    /// handle still open (the loop's own, signal handlers, and any a caller leaked), waits
    /// for their close callbacks and for thread-pool work in flight, then frees the loop.
    /// Idempotent; throws if the loop is running.
    public nonisolated func close() throws(EventLoopError) {
        guard !_isRunning else { throw .closeWhileRunning }
        guard !_isClosed else { return }
        let previous = asyncio_current_loop_get()
        asyncio_current_loop_set(identity)
        defer { asyncio_current_loop_set(previous) }
        // Other threads may still hand over work (a task's job, callSoonThreadsafe); from
        // here on the inbox drops it instead of poking a wake-up handle that is closing.
        for item in inbox.close() { appendReady(item) }
        _isClosed = true
        ready.removeAll()
        timers = Heap()
        for handler in signalHandlers.values { handler.close() }
        signalHandlers.removeAll()
        mainQueueWatch?.close()
        mainQueueWatch = nil
        uv.closeAllHandles()
        uv.runUntilIdle()
        do {
            try uv.close()
        } catch {
            logger.error("closing the event loop: \(error)")
        }
    }

    /// Handles still open that this loop did not create for itself: leaked transports,
    /// servers, pollers. Test helpers assert this is empty after a test.
    nonisolated func liveHandleLabels() -> [String] {
        uv.liveHandles().filter { !$0.isInternal && !$0.isClosing }.map(\.label)
    }
}
