/// A queue for coordinating producer and consumer tasks on one loop: asyncio's `Queue`,
/// with the order of its items given by `Storage` (asyncio's subclasses override
/// `_init`, `_put` and `_get`; here the storage is a type parameter). Use it as `Queue`,
/// `LifoQueue` or `PriorityQueue`.
///
/// With `maxsize` ≤ 0 the queue is unbounded; otherwise `put` waits while it holds
/// `maxsize` items. `put` and `get` wake waiters first come, first served. A waiting
/// `get` or `put` whose task is cancelled throws `CancellationError`, takes or adds
/// nothing, and if it had already been woken passes the wake-up to the next waiter, so no
/// item is lost and nobody is left waiting for an item that is there.
///
/// Loop-bound: use it on its loop's thread only (from tasks made with `createTask`, or
/// callbacks). As in asyncio, `qsize`, `empty` and `full` are exact, since nothing else
/// runs between reading them and acting on them.
public final class LoopQueue<Storage: QueueStorage> {
    /// The type of the items.
    public typealias Element = Storage.Element

    /// The loop the queue belongs to (asyncio binds a queue to the running loop).
    public let loop: EventLoop
    /// How many items the queue holds before `put` waits; ≤ 0 means no limit (asyncio's
    /// `maxsize`).
    public let maxsize: Int

    private var storage = Storage()
    private let getters = WaiterLine()
    private let putters = WaiterLine()
    private let joiners = WaiterLine()
    private var unfinishedTasks = 0
    private var isShutdown = false

    /// An empty queue on `loop` holding at most `maxsize` items (asyncio's
    /// `Queue(maxsize=0)`). Made by the loop's code (`loop` is isolated), so the queue
    /// starts in the loop's region and the compiler keeps it there.
    public init(maxsize: Int = 0, loop: isolated EventLoop) {
        self.maxsize = maxsize
        self.loop = loop
    }

    /// How many items the queue holds (asyncio's `qsize()`).
    public var qsize: Int { storage.count }

    /// Whether the queue holds no item (asyncio's `empty()`).
    public var empty: Bool { storage.count == 0 }

    /// Whether the queue holds `maxsize` items; never with `maxsize` ≤ 0 (asyncio's
    /// `full()`).
    public var full: Bool { maxsize > 0 && storage.count >= maxsize }

    /// Puts `item` in the queue, waiting while it is full (asyncio's `put`). Throws
    /// `QueueShutDown` if the queue is or gets shut down, `CancellationError` if the task
    /// is cancelled while it waits (the item is then not put).
    nonisolated(nonsending) public func put(_ item: Element) async throws {
        loop.assertOnLoopThread()
        while full {
            if isShutdown { throw QueueShutDown() }
            try await wait(in: putters) { !full }
        }
        try putNowait(item)
    }

    /// Puts `item` in the queue if it has room (asyncio's `put_nowait`): throws `QueueFull`
    /// if it is full, `QueueShutDown` if it is shut down.
    public func putNowait(_ item: Element) throws {
        loop.assertOnLoopThread()
        if isShutdown { throw QueueShutDown() }
        if full { throw QueueFull() }
        storage.push(item)
        unfinishedTasks += 1
        getters.wakeNext()
    }

    /// Removes and returns the next item, waiting while the queue is empty (asyncio's
    /// `get`). Throws `QueueShutDown` if the queue is shut down and empty (at once after
    /// `shutdown(immediate: true)`), `CancellationError` if the task is cancelled while
    /// it waits (no item is then taken).
    nonisolated(nonsending) public func get() async throws -> Element {
        loop.assertOnLoopThread()
        while empty {
            if isShutdown { throw QueueShutDown() }
            try await wait(in: getters) { !empty }
        }
        return try getNowait()
    }

    /// Removes and returns the next item if there is one (asyncio's `get_nowait`): throws
    /// `QueueEmpty` if the queue is empty, `QueueShutDown` if it is empty and shut down.
    public func getNowait() throws -> Element {
        loop.assertOnLoopThread()
        if empty {
            if isShutdown { throw QueueShutDown() }
            throw QueueEmpty()
        }
        let item = storage.pop()
        putters.wakeNext()
        return item
    }

    /// Says that an item taken with `get` has been processed (asyncio's `task_done`);
    /// when every item put has been, `join` returns. Throws
    /// `QueueUsageError.taskDoneCalledTooManyTimes` if there is no unfinished item.
    public func taskDone() throws(QueueUsageError) {
        loop.assertOnLoopThread()
        guard unfinishedTasks > 0 else { throw .taskDoneCalledTooManyTimes }
        finishTask()
    }

    /// Waits until every item put has been taken and marked done with `taskDone`
    /// (asyncio's `join`). Throws `CancellationError` if the task is cancelled meanwhile.
    ///
    /// Once the count reached zero the join is over, even if an item is put before the
    /// woken task runs: asyncio's `join` waits for an `Event`, which does not re-check.
    nonisolated(nonsending) public func join() async throws {
        loop.assertOnLoopThread()
        if unfinishedTasks > 0 {
            try await joiners.wait(on: loop) { unfinishedTasks == 0 }
        }
    }

    /// Shuts the queue down (asyncio 3.13's `shutdown`): from now on `put` and `putNowait`
    /// throw `QueueShutDown`, and so do `get` and `getNowait` once the queue is empty.
    /// Every task waiting in `put` or `get` wakes and re-checks: a putter throws, a getter
    /// takes an item if one is there (a put woke it just before) and throws otherwise.
    ///
    /// With `immediate: true` the items left are dropped, each counted as done for
    /// `join` (as if `taskDone` were called for it), so `get` throws at once and `join`
    /// returns once the items already taken are done.
    public func shutdown(immediate: Bool = false) {
        loop.assertOnLoopThread()
        isShutdown = true
        if immediate {
            while !empty {
                _ = storage.pop()
                // Nothing ties taskDone to a get, so it may already have been called
                // for items still queued: the count can be below the queue's size, and
                // stays at zero (as in asyncio) rather than going negative.
                if unfinishedTasks > 0 { finishTask() }
            }
        }
        getters.wakeAll()
        putters.wakeAll()
    }

    /// Waits in `line` until woken; `isReady` says whether the wait is over (re-checked
    /// inside the suspension). A task cancelled after it was woken does not take its turn:
    /// it passes the wake-up to the next in line if the turn is still good, and throws
    /// (asyncio: a cancelled waiter whose future was already resolved wakes the next).
    nonisolated(nonsending) private func wait(in line: WaiterLine, until isReady: () -> Bool) async throws {
        try await line.wait(on: loop) { isReady() || isShutdown }
        if Task.isCancelled {
            if isReady() { line.wakeNext() }
            throw CancellationError()
        }
    }

    private func finishTask() {
        unfinishedTasks -= 1
        if unfinishedTasks == 0 { joiners.wakeAll() }
    }
}

extension LoopQueue: CustomStringConvertible {
    /// asyncio's `str(queue)`: the type, `maxsize`, then what is not empty or zero among
    /// the items, the waiting getters and putters, the unfinished tasks and the shutdown.
    public var description: String {
        var text = "<\(Storage.queueName) maxsize=\(maxsize)"
        if !empty { text += " _queue=\(storage.contents)" }
        if getters.count > 0 { text += " _getters[\(getters.count)]" }
        if putters.count > 0 { text += " _putters[\(putters.count)]" }
        if unfinishedTasks > 0 { text += " tasks=\(unfinishedTasks)" }
        if isShutdown { text += " shutdown" }
        return text + ">"
    }
}

extension LoopQueue {
    /// How many tasks wait in `get` (asyncio's `len(queue._getters)`), for tests.
    var waitingGetters: Int { getters.count }
    /// How many tasks wait in `put` (asyncio's `len(queue._putters)`), for tests.
    var waitingPutters: Int { putters.count }
}
