// Shared by every spike package (symlinked into each Sources/Loop/).
// A tiny single-threaded run loop: one thread drains a FIFO of jobs and callbacks; other
// threads post through a locked inbox and an eventfd wake-up (models uv_async_send).
// It is a SerialExecutor + TaskExecutor, like AsyncIO's EventLoop today.
import Synchronization
import Dispatch   // links libdispatch (for the main-queue hooks)
#if canImport(Glibc)
import Glibc
#endif

// libdispatch's run-loop integration (what CoreFoundation uses on Linux).
@_silgen_name("_dispatch_get_main_queue_handle_4CF") func _dispatchMainQueueHandle() -> Int32
@_silgen_name("_dispatch_main_queue_callback_4CF") func _dispatchMainQueueCallback(_ msg: UnsafeMutableRawPointer?)

enum Item {
    case job(UnownedJob)
    case serialJob(UnownedJob)     // enqueued through the LoopSerial wrapper (actor-isolated code)
    case callback(() -> Void)
}

private struct Box: @unchecked Sendable { var items: [Item] = [] }

/// How a dequeued job runs. `.split` runs every job isolated to the separate `serial`
/// wrapper with the loop as task executor: the mode that gives actor-isolated code 1 enqueue per await.
public enum JobMode: Sendable { case onTaskExecutor, isolatedTo, onSerial, split, perJob }

/// A serial executor distinct from the loop object (the loop stays the task executor).
public final class LoopSerial: SerialExecutor, @unchecked Sendable {
    unowned let core: LoopCore
    init(_ core: LoopCore) { self.core = core }
    public func enqueue(_ job: consuming ExecutorJob) {
        if core.mode == .perJob { core.enqueueItem(.serialJob(UnownedJob(job))) } else { core.enqueue(job) }
    }
    public func asUnownedSerialExecutor() -> UnownedSerialExecutor { UnownedSerialExecutor(ordinary: self) }
    public func isIsolatingCurrentContext() -> Bool? { core.isOnLoopThread }
    public func checkIsolated() { core.checkIsolated() }
}

public final class LoopCore: SerialExecutor, TaskExecutor, @unchecked Sendable {
    public let name: String
    private var ready: [Item] = []
    private var readyHead = 0
    private let inbox = Mutex(Box())
    private let wakeFD: Int32      // read end of the wake-up pipe
    private let wakeWriteFD: Int32
    private var thread: pthread_t?
    private var stopping = false
    public var mode: JobMode = .perJob
    public private(set) lazy var serial = LoopSerial(self)
    /// Counts executor enqueues (the jobs the runtime handed us), for "enqueues per await".
    public var jobEnqueues = 0
    /// When true and the loop runs on the main thread, also drain libdispatch's main queue.
    public var drainMainQueue = false

    public init(name: String) {
        self.name = name
        var fds: [Int32] = [0, 0]
        precondition(pipe(&fds) == 0)
        _ = fcntl(fds[0], F_SETFL, O_NONBLOCK); _ = fcntl(fds[1], F_SETFL, O_NONBLOCK)
        wakeFD = fds[0]; wakeWriteFD = fds[1]
    }

    @inline(__always) public var isOnLoopThread: Bool {
        guard let thread else { return false }
        return pthread_equal(thread, pthread_self()) != 0
    }

    // MARK: Executor
    public func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        if isOnLoopThread {
            jobEnqueues &+= 1
            ready.append(.job(job))
        } else {
            post(.job(job))
        }
    }
    func enqueueItem(_ item: Item) {
        if isOnLoopThread { jobEnqueues &+= 1; ready.append(item) } else { post(item) }
    }
    public func asUnownedSerialExecutor() -> UnownedSerialExecutor { UnownedSerialExecutor(ordinary: self) }
    public func asUnownedTaskExecutor() -> UnownedTaskExecutor { UnownedTaskExecutor(ordinary: self) }
    public func isIsolatingCurrentContext() -> Bool? { isOnLoopThread }
    public func checkIsolated() { precondition(isOnLoopThread, "not on loop \(name)'s thread") }
    public func isSameExclusiveExecutionContext(other: LoopCore) -> Bool { other === self }

    // MARK: Scheduling
    /// call_soon: only on the loop thread (the callback is not Sendable).
    public func callSoon(_ f: @escaping () -> Void) {
        precondition(isOnLoopThread, "callSoon off the loop thread")
        ready.append(.callback(f))
    }
    public func callSoonThreadsafe(_ f: @escaping @Sendable () -> Void) {
        if isOnLoopThread { ready.append(.callback(f)) } else { post(.callback(f)) }
    }
    private func post(_ item: Item) {
        inbox.withLock { $0.items.append(item) }
        var one: UInt8 = 1
        _ = write(wakeWriteFD, &one, 1)
    }
    public func stop() { callSoonThreadsafe { [self] in stopping = true } }

    /// Runs the loop on the calling thread until stop().
    public func run() {
        thread = pthread_self()
        stopping = false
        // The caller promises (drainMainQueue) that this is the process's main thread.
        let mainFD = drainMainQueue ? _dispatchMainQueueHandle() : -1
        while !stopping {
            // Drain what was ready when the drain began (asyncio's rule).
            let end = ready.count
            while readyHead < end {
                let item = ready[readyHead]
                readyHead += 1
                switch item {
                case .job(let j):
                    switch mode {
                    case .onTaskExecutor: j.runSynchronously(on: asUnownedTaskExecutor())
                    case .isolatedTo: j.runSynchronously(isolatedTo: asUnownedSerialExecutor(), taskExecutor: asUnownedTaskExecutor())
                    case .onSerial: j.runSynchronously(on: asUnownedSerialExecutor())
                    case .split: j.runSynchronously(isolatedTo: serial.asUnownedSerialExecutor(), taskExecutor: asUnownedTaskExecutor())
                    case .perJob: j.runSynchronously(on: asUnownedTaskExecutor())
                    }
                case .serialJob(let j):
                    j.runSynchronously(isolatedTo: serial.asUnownedSerialExecutor(), taskExecutor: asUnownedTaskExecutor())
                case .callback(let f): f()
                }
            }
            if readyHead == ready.count { ready.removeAll(keepingCapacity: true); readyHead = 0 }
            // "Poll phase": block only when nothing is ready.
            var fds = [pollfd(fd: wakeFD, events: Int16(POLLIN), revents: 0),
                       pollfd(fd: mainFD, events: Int16(POLLIN), revents: 0)]
            let timeout: Int32 = (readyHead < ready.count || stopping) ? 0 : -1
            _ = poll(&fds, mainFD >= 0 ? 2 : 1, timeout)
            if fds[0].revents != 0 {
                var buf = [UInt8](repeating: 0, count: 64)
                while read(wakeFD, &buf, 64) > 0 {}
            }
            let posted = inbox.withLock { b -> [Item] in let i = b.items; b.items = []; return i }
            for item in posted { if case .callback = item {} else { jobEnqueues &+= 1 }; ready.append(item) }
            if mainFD >= 0 && fds[1].revents != 0 { _dispatchMainQueueCallback(nil) }
        }
        thread = nil
    }

    /// Runs the loop on a new thread; returns when it stops.
    public func runOnNewThread() -> pthread_t {
        let box = Unmanaged.passRetained(self)
        var t = pthread_t()
        pthread_create(&t, nil, { arg in
            let core = Unmanaged<LoopCore>.fromOpaque(arg!).takeRetainedValue()
            core.run()
            return nil
        }, box.toOpaque())
        return t
    }
}

public func nowNanos() -> UInt64 {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
}
