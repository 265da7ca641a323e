@testable import AsyncIO
import XCTest

/// CPython's test_queues.py mixins, run for each of Queue, LifoQueue and PriorityQueue as
/// CPython does: _QueueJoinTestMixin and _QueueShutdownTestMixin.
final class QueueJoinAndShutdownTests: XCTestCase {
    /// Runs `check` once for each kind of queue, each on a fresh loop.
    private func forEachKind(
        file: StaticString = #filePath, line: UInt = #line,
        _ check: @escaping @Sendable (isolated EventLoop, QueueMaker) async throws -> Void
    ) {
        for kind in QueueMaker.Kind.allCases {
            runLoopTest(file: file, line: line) { loop, _ in
                try await check(loop, QueueMaker(kind: kind, loop: loop))
            }
        }
    }

    // MARK: _QueueJoinTestMixin

    // CPython: _QueueJoinTestMixin.test_task_done_underflow
    func testTaskDoneUnderflow() {
        forEachKind { loop, make in
            XCTAssertThrowsError(try make.queue(loop).taskDone()) {
                XCTAssertEqual($0 as? QueueUsageError, .taskDoneCalledTooManyTimes)
            }
        }
    }

    // CPython: _QueueJoinTestMixin.test_task_done
    func testTaskDone() {
        forEachKind { loop, make in
            let queue = make.queue(loop)
            for item in 0..<100 { try queue.putNowait(item) }
            let total = Box(0)
            let running = Box(true)
            // Two workers get items and call taskDone after each; join sees them all.
            let workers = (0..<2).map { _ in
                loop.createTask {
                    while running.value {
                        total.value += try await queue.get()
                        try queue.taskDone()
                    }
                }
            }
            try await queue.join()
            XCTAssertEqual(total.value, (0..<100).reduce(0, +))
            running.value = false
            for _ in workers { try queue.putNowait(0) }
            for worker in workers { try await worker.value }
        }
    }

    // CPython: _QueueJoinTestMixin.test_join_empty_queue
    func testJoinEmptyQueue() {
        forEachKind { loop, make in
            let queue = make.queue(loop)
            try await queue.join()
            try await queue.join()
        }
    }

    // CPython: _QueueJoinTestMixin.test_format (the unfinished count made by put and get,
    // not by writing the private counter)
    func testFormatShowsUnfinishedTasks() {
        forEachKind { loop, make in
            let queue = make.queue(loop)
            XCTAssertEqual(queue.description, "<\(make.name) maxsize=0>")
            try queue.putNowait(1)
            try queue.putNowait(2)
            _ = try queue.getNowait()
            _ = try queue.getNowait()
            XCTAssertEqual(queue.description, "<\(make.name) maxsize=0 tasks=2>")
        }
    }

    // Not in CPython: cancelling a task waiting in join.
    func testJoinCancelledWhileWaiting() {
        forEachKind { loop, make in
            let queue = make.queue(loop)
            try queue.putNowait(1)
            let joiner = try await startedTask(loop) { try await queue.join() }
            let second = try await startedTask(loop) { try await queue.join() }
            joiner.cancel()
            await assertThrowsAsync(CancellationError.self) { try await joiner.value }
            _ = try queue.getNowait()
            try queue.taskDone()
            try await second.value
        }
    }

    // MARK: _QueueShutdownTestMixin

    // CPython: _QueueShutdownTestMixin.test_format
    func testFormatShowsShutdown() {
        forEachKind { loop, make in
            let queue = make.queue(loop)
            queue.shutdown(immediate: false)
            XCTAssertEqual(queue.description, "<\(make.name) maxsize=0 shutdown>")
        }
    }

    // CPython: _QueueShutdownTestMixin.test_shutdown_empty
    func testShutdownEmpty() {
        forEachKind { loop, make in
            let queue = make.queue(loop)
            let getter = try await startedTask(loop) { try await queue.get() }
            queue.shutdown(immediate: false)
            XCTAssertEqual(queue.qsize, 0)
            try await queue.join()
            await assertThrowsAsync(QueueShutDown.self) { _ = try await getter.value }
            try await assertEverythingThrowsShutDown(queue)
        }
    }

    // CPython: _QueueShutdownTestMixin.test_shutdown_nonempty
    func testShutdownNonempty() {
        forEachKind { loop, make in
            let queue = make.queue(loop, maxsize: 1)
            try queue.putNowait(10)
            let joined = Box(false)
            let joiner = try await startedTask(loop) {
                try await queue.join()
                joined.value = true
            }
            let putter = try await startedTask(loop) { try await queue.put(20) }
            XCTAssertEqual(queue.waitingPutters, 1)
            queue.shutdown(immediate: false)
            XCTAssertEqual(queue.qsize, 1)
            await assertThrowsAsync(QueueShutDown.self) { try await putter.value }
            // The item put before the shutdown can still be taken.
            let item = try await queue.get()
            XCTAssertEqual(item, 10)
            try await yieldToLoop(make.loop)
            XCTAssertFalse(joined.value, "the item taken is not done yet")
            try await assertEverythingThrowsShutDown(queue)
            try queue.taskDone()
            try await joiner.value
            XCTAssertThrowsError(try queue.taskDone(), "every task is done")
        }
    }

    // CPython: _QueueShutdownTestMixin.test_shutdown_immediate
    func testShutdownImmediate() {
        forEachKind { loop, make in
            let queue = make.queue(loop)
            try queue.putNowait(1)
            let joiner = try await startedTask(loop) { try await queue.join() }
            queue.shutdown(immediate: true)
            XCTAssertEqual(queue.qsize, 0)
            // The dropped item counts as done, so join returns.
            try await joiner.value
            try await assertEverythingThrowsShutDown(queue)
            XCTAssertThrowsError(try queue.taskDone(), "every task is done")
        }
    }

    // CPython: _QueueShutdownTestMixin.test_shutdown_immediate_with_unfinished
    func testShutdownImmediateWithUnfinished() {
        forEachKind { loop, make in
            let queue = make.queue(loop)
            try queue.putNowait(1)
            try queue.putNowait(1)
            let joined = Box(false)
            let joiner = try await startedTask(loop) {
                try await queue.join()
                joined.value = true
            }
            let item = try await queue.get()
            XCTAssertEqual(item, 1)
            queue.shutdown(immediate: true)   // unfinished tasks: 2 -> 1
            XCTAssertEqual(queue.qsize, 0)
            try await yieldToLoop(make.loop)
            XCTAssertFalse(joined.value, "the item taken is not done yet")
            try await assertEverythingThrowsShutDown(queue)
            try queue.taskDone()
            XCTAssertThrowsError(try queue.taskDone(), "every task is done")
            try await joiner.value
        }
    }

    // Not in CPython: shutdown wakes every waiting getter and putter, in order, and the
    // getters of a non-empty queue still get its items first.
    func testShutdownWakesEveryWaiter() {
        forEachKind { loop, make in
            let empty = make.queue(loop)
            var getters: [Task<Int, any Error>] = []
            for _ in 0..<3 { getters.append(try await startedTask(loop) { try await empty.get() }) }
            XCTAssertEqual(empty.waitingGetters, 3)
            empty.shutdown(immediate: false)
            XCTAssertEqual(empty.waitingGetters, 0)
            for getter in getters {
                await assertThrowsAsync(QueueShutDown.self) { _ = try await getter.value }
            }

            let full = make.queue(loop, maxsize: 1)
            try full.putNowait(1)
            var putters: [Task<Void, any Error>] = []
            for item in 0..<3 { putters.append(try await startedTask(loop) { try await full.put(item) }) }
            XCTAssertEqual(full.waitingPutters, 3)
            full.shutdown(immediate: false)
            for putter in putters {
                await assertThrowsAsync(QueueShutDown.self) { try await putter.value }
            }
            XCTAssertEqual(try full.getNowait(), 1)
        }
    }
}

/// The rest of the shutdown tests: put, putNowait, get and getNowait all throw
/// `QueueShutDown` on a shut-down, empty queue.
nonisolated(nonsending) func assertEverythingThrowsShutDown(
    _ queue: any IntQueue, file: StaticString = #filePath, line: UInt = #line
) async throws {
    await assertThrowsAsync(QueueShutDown.self, file: file, line: line) { try await queue.put(0) }
    XCTAssertThrowsError(try queue.putNowait(0), file: file, line: line) { XCTAssertTrue($0 is QueueShutDown) }
    await assertThrowsAsync(QueueShutDown.self, file: file, line: line) { _ = try await queue.get() }
    XCTAssertThrowsError(try queue.getNowait(), file: file, line: line) { XCTAssertTrue($0 is QueueShutDown) }
}

/// The queue API the mixin tests use, so they are written once for the three kinds of
/// queue (CPython's `q_class`); every `LoopQueue` of `Int` has it already.
protocol IntQueue: AnyObject, CustomStringConvertible {
    var qsize: Int { get }
    var waitingGetters: Int { get }
    var waitingPutters: Int { get }
    nonisolated(nonsending) func put(_ item: Int) async throws
    func putNowait(_ item: Int) throws
    nonisolated(nonsending) func get() async throws -> Int
    func getNowait() throws -> Int
    func taskDone() throws(QueueUsageError)
    nonisolated(nonsending) func join() async throws
    func shutdown(immediate: Bool)
}

extension LoopQueue: IntQueue where Storage.Element == Int {}

/// Makes queues of one kind on one loop.
struct QueueMaker: Sendable {
    enum Kind: CaseIterable, Sendable { case fifo, lifo, priority }

    let kind: Kind
    let loop: EventLoop

    /// The name the kind's `description` starts with.
    var name: String {
        switch kind {
        case .fifo: "Queue"
        case .lifo: "LifoQueue"
        case .priority: "PriorityQueue"
        }
    }

    /// A queue of this kind on `loop`, the loop's code (a queue is made in its loop's region).
    func queue(_ loop: isolated EventLoop, maxsize: Int = 0) -> any IntQueue {
        switch kind {
        case .fifo: Queue<Int>(maxsize: maxsize, loop: loop)
        case .lifo: LifoQueue<Int>(maxsize: maxsize, loop: loop)
        case .priority: PriorityQueue<Int>(maxsize: maxsize, loop: loop)
        }
    }
}
