@testable import AsyncIO
import XCTest

/// CPython's test_queues.py: QueueBasicTests, QueueGetTests, QueuePutTests, LifoQueueTests
/// and PriorityQueueTests, over a real loop.
final class QueueTests: XCTestCase {
    // MARK: QueueBasicTests

    // CPython: QueueBasicTests.test_repr / test_str (Swift has no id() to print)
    func testDescription() {
        runLoopTest { loop, _ in
            XCTAssertEqual(Queue<Int>(loop: loop).description, "<Queue maxsize=0>")

            let getting = Queue<Int>(loop: loop)
            let getter = try await startedTask(loop) { try await getting.get() }
            XCTAssertTrue(getting.description.contains("_getters[1]"), getting.description)
            try getting.putNowait(0)
            let got = try await getter.value
            XCTAssertEqual(got, 0)

            let putting = Queue<Int>(maxsize: 1, loop: loop)
            try putting.putNowait(1)
            let putter = try await startedTask(loop) { try await putting.put(2) }
            XCTAssertTrue(putting.description.contains("_putters[1]"), putting.description)
            _ = try putting.getNowait()
            try await putter.value

            let holding = Queue<Int>(loop: loop)
            try holding.putNowait(1)
            XCTAssertTrue(holding.description.contains("_queue=[1]"), holding.description)
            XCTAssertEqual(LifoQueue<Int>(loop: loop).description, "<LifoQueue maxsize=0>")
            XCTAssertEqual(PriorityQueue<Int>(loop: loop).description, "<PriorityQueue maxsize=0>")
        }
    }

    // CPython: QueueBasicTests.test_empty
    func testEmpty() {
        runLoopTest { loop, _ in
            let queue = Queue<Int>(loop: loop)
            XCTAssertTrue(queue.empty)
            try await queue.put(1)
            XCTAssertFalse(queue.empty)
            let item = try await queue.get()
            XCTAssertEqual(item, 1)
            XCTAssertTrue(queue.empty)
        }
    }

    // CPython: QueueBasicTests.test_full
    func testFull() {
        runLoopTest { loop, _ in
            XCTAssertFalse(Queue<Int>(loop: loop).full)
            let queue = Queue<Int>(maxsize: 1, loop: loop)
            try await queue.put(1)
            XCTAssertTrue(queue.full)
        }
    }

    // CPython: QueueBasicTests.test_maxsize
    func testMaxsize() {
        runLoopTest { loop, _ in
            let queue = Queue<Int>(maxsize: 2, loop: loop)
            XCTAssertEqual(queue.maxsize, 2)
            let havePut = Box<[Int]>([])
            let putter = loop.createTask {
                for item in 0..<3 {
                    try await queue.put(item)
                    havePut.value.append(item)
                }
                return true
            }
            try await waitUntil(loop) { queue.waitingPutters == 1 }
            // The putter is blocked after putting two items.
            XCTAssertEqual(havePut.value, [0, 1])
            let first = try await queue.get()
            XCTAssertEqual(first, 0)
            try await waitUntil(loop) { havePut.value.count == 3 }
            XCTAssertEqual(havePut.value, [0, 1, 2])
            let second = try await queue.get(), third = try await queue.get()
            XCTAssertEqual([second, third], [1, 2])
            let finished = try await putter.value
            XCTAssertTrue(finished)
        }
    }

    // MARK: QueueGetTests

    // CPython: QueueGetTests.test_blocking_get
    func testBlockingGet() {
        runLoopTest { loop, _ in
            let queue = Queue<Int>(loop: loop)
            try queue.putNowait(1)
            let item = try await queue.get()
            XCTAssertEqual(item, 1)
        }
    }

    // CPython: QueueGetTests.test_get_with_putters (a real waiting putter instead of a
    // future pushed into _putters)
    func testGetWithPutters() {
        runLoopTest { loop, _ in
            let queue = Queue<Int>(maxsize: 1, loop: loop)
            try await queue.put(1)
            let putter = try await startedTask(loop) { try await queue.put(2) }
            XCTAssertEqual(queue.waitingPutters, 1)
            let item = try await queue.get()
            XCTAssertEqual(item, 1)
            XCTAssertEqual(queue.waitingPutters, 0, "get woke the putter")
            try await putter.value
            XCTAssertEqual(try queue.getNowait(), 2)
        }
    }

    // CPython: QueueGetTests.test_blocking_get_wait
    func testBlockingGetWait() {
        runLoopTest { loop, _ in
            let queue = Queue<Int>(loop: loop)
            let finished = Box(false)
            let getter = try await startedTask(loop) {
                let item = try await queue.get()
                finished.value = true
                return item
            }
            XCTAssertFalse(finished.value)
            loop.callLater(.milliseconds(10)) { try? queue.putNowait(1) }
            let item = try await getter.value
            XCTAssertTrue(finished.value)
            XCTAssertEqual(item, 1)
        }
    }

    // CPython: QueueGetTests.test_nonblocking_get and QueuePutTests.test_nonblocking_put
    // (the same test twice in CPython)
    func testNonblockingPutAndGet() {
        runLoopTest { loop, _ in
            let queue = Queue<Int>(loop: loop)
            try queue.putNowait(1)
            XCTAssertEqual(try queue.getNowait(), 1)
        }
    }

    // CPython: QueueGetTests.test_nonblocking_get_exception
    func testNonblockingGetException() {
        runLoopTest { loop, _ in
            XCTAssertThrowsError(try Queue<Int>(loop: loop).getNowait()) {
                XCTAssertTrue($0 is QueueEmpty, "\($0)")
            }
        }
    }

    // CPython: QueueGetTests.test_get_cancelled_race
    func testGetCancelledRace() {
        runLoopTest { loop, _ in
            let queue = Queue<String>(loop: loop)
            let first = try await startedTask(loop) { try await queue.get() }
            let second = try await startedTask(loop) { try await queue.get() }
            first.cancel()
            await assertThrowsAsync(CancellationError.self) { _ = try await first.value }
            try await queue.put("a")
            let item = try await second.value
            XCTAssertEqual(item, "a")
        }
    }

    // CPython: QueueGetTests.test_get_with_waiting_putters
    func testGetWithWaitingPutters() {
        runLoopTest { loop, _ in
            let queue = Queue<String>(maxsize: 1, loop: loop)
            loop.createTask { try await queue.put("a") }
            loop.createTask { try await queue.put("b") }
            let first = try await queue.get()
            let second = try await queue.get()
            XCTAssertEqual([first, second], ["a", "b"])
        }
    }

    // CPython: QueueGetTests.test_why_are_getters_waiting
    func testWhyAreGettersWaiting() {
        runLoopTest { loop, _ in
            let queue = Queue<Int>(maxsize: 1, loop: loop)
            let count = 5
            let producer = loop.createTask { for item in 0..<count { try await queue.put(item) } }
            let consumer = loop.createTask {
                var items: [Int] = []
                for _ in 0..<count { items.append(try await queue.get()) }
                return items
            }
            try await producer.value
            let items = try await consumer.value
            XCTAssertEqual(items, Array(0..<count))
        }
    }

    // CPython: QueueGetTests.test_cancelled_getters_not_being_held_in_self_getters
    func testCancelledGettersNotBeingHeldInSelfGetters() {
        runLoopTest { loop, _ in
            let queue = Queue<Int>(maxsize: 5, loop: loop)
            await assertThrowsAsync(TimeoutError.self) {
                _ = try await withTimeout(.milliseconds(10)) { try await queue.get() }
            }
            XCTAssertEqual(queue.waitingGetters, 0)
        }
    }

    // MARK: QueuePutTests

    // CPython: QueuePutTests.test_blocking_put
    func testBlockingPut() {
        runLoopTest { loop, _ in
            let queue = Queue<Int>(loop: loop)
            try await queue.put(1)   // no maxsize: does not wait
            let item = try await queue.get()
            XCTAssertEqual(item, 1)
        }
    }

    // CPython: QueuePutTests.test_blocking_put_wait
    func testBlockingPutWait() {
        runLoopTest { loop, _ in
            let queue = Queue<Int>(maxsize: 1, loop: loop)
            let finished = Box(false)
            loop.callLater(.milliseconds(10)) { _ = try? queue.getNowait() }
            let putter = try await startedTask(loop) {
                try await queue.put(1)
                try await queue.put(2)
                finished.value = true
            }
            XCTAssertFalse(finished.value)
            try await putter.value
            XCTAssertTrue(finished.value)
        }
    }

    // CPython: QueuePutTests.test_get_cancel_drop_one_pending_reader
    func testGetCancelDropOnePendingReader() {
        runLoopTest { loop, _ in
            let queue = Queue<Int>(loop: loop)
            let reader = try await startedTask(loop) { try await queue.get() }
            try queue.putNowait(1)
            try queue.putNowait(2)
            reader.cancel()
            let item: Int
            do {
                item = try await reader.value
            } catch is CancellationError {
                item = try await loop.createTask { try await queue.get() }.value
            }
            XCTAssertEqual(item, 1, "getting 2 would mean 1 was dropped")
        }
    }

    // CPython: QueuePutTests.test_get_cancel_drop_many_pending_readers
    func testGetCancelDropManyPendingReaders() {
        runLoopTest { loop, _ in
            let queue = Queue<Int>(loop: loop)
            let reader1 = try await startedTask(loop) { try await queue.get() }
            let reader2 = try await startedTask(loop) { try await queue.get() }
            let reader3 = try await startedTask(loop) { try await queue.get() }
            try queue.putNowait(1)
            try queue.putNowait(2)
            reader1.cancel()
            // reader1 had been woken: it passes its turn to reader3 instead of taking 1.
            await assertThrowsAsync(CancellationError.self) { _ = try await reader1.value }
            let got3 = try await reader3.value
            let got2 = try await reader2.value
            XCTAssertEqual(Set([got2, got3]), [1, 2])
        }
    }

    // CPython: QueuePutTests.test_put_cancel_drop
    func testPutCancelDrop() {
        runLoopTest { loop, _ in
            let queue = Queue<Int>(maxsize: 1, loop: loop)
            try queue.putNowait(1)
            var writer = try await startedTask(loop) { try await queue.put(2) }
            XCTAssertEqual(try queue.getNowait(), 1)
            writer.cancel()
            do {
                try await writer.value
            } catch is CancellationError {
                writer = loop.createTask { try await queue.put(2) }
                try await writer.value
            }
            XCTAssertEqual(try queue.getNowait(), 2)
            XCTAssertEqual(queue.qsize, 0)
        }
    }

    // CPython: QueuePutTests.test_nonblocking_put_exception
    // (test_float_maxsize has no counterpart: maxsize is an Int)
    func testNonblockingPutException() {
        runLoopTest { loop, _ in
            let queue = Queue<Int>(maxsize: 1, loop: loop)
            try queue.putNowait(1)
            XCTAssertThrowsError(try queue.putNowait(2)) { XCTAssertTrue($0 is QueueFull, "\($0)") }
        }
    }

    // CPython: QueuePutTests.test_put_cancelled
    func testPutCancelled() {
        runLoopTest { loop, _ in
            let queue = Queue<Int>(loop: loop)
            let putter = loop.createTask {
                try await queue.put(1)
                return true
            }
            let item = try await queue.get()
            XCTAssertEqual(item, 1)
            let finished = try await putter.value
            XCTAssertTrue(finished)
        }
    }

    // CPython: QueuePutTests.test_put_cancelled_race
    func testPutCancelledRace() {
        runLoopTest { loop, _ in
            let queue = Queue<String>(maxsize: 1, loop: loop)
            let putA = try await startedTask(loop) { try await queue.put("a") }
            let putB = try await startedTask(loop) { try await queue.put("b") }
            let putC = try await startedTask(loop) { try await queue.put("X") }
            try await putA.value
            XCTAssertEqual(queue.waitingPutters, 2)
            putC.cancel()
            await assertThrowsAsync(CancellationError.self) { try await putC.value }
            XCTAssertEqual(try queue.getNowait(), "a")
            try await putB.value
            XCTAssertEqual(try queue.getNowait(), "b")
            XCTAssertTrue(queue.empty, "the cancelled put added nothing")
        }
    }

    // CPython: QueuePutTests.test_put_with_waiting_getters
    func testPutWithWaitingGetters() {
        runLoopTest { loop, _ in
            let queue = Queue<String>(loop: loop)
            let getter = try await startedTask(loop) { try await queue.get() }
            try await queue.put("a")
            let item = try await getter.value
            XCTAssertEqual(item, "a")
        }
    }

    // CPython: QueuePutTests.test_why_are_putters_waiting
    func testWhyArePuttersWaiting() {
        runLoopTest { loop, _ in
            let queue = Queue<Int>(maxsize: 2, loop: loop)
            let getter = loop.createTask {
                try await loop.sleep(.zero)
                var taken: [Int] = []
                for _ in 0..<queue.qsize { taken.append(try queue.getNowait()) }
                return taken
            }
            let putters = (0..<4).map { item in loop.createTask { try await queue.put(item) } }
            for putter in putters { try await putter.value }
            let taken = try await getter.value
            XCTAssertEqual(taken, [0, 1])
            XCTAssertEqual(try queue.getNowait(), 2)
            XCTAssertEqual(try queue.getNowait(), 3)
        }
    }

    // CPython: QueuePutTests.test_cancelled_puts_not_being_held_in_self_putters
    func testCancelledPutsNotBeingHeldInSelfPutters() {
        runLoopTest { loop, _ in
            let queue = Queue<Int>(maxsize: 1, loop: loop)
            try queue.putNowait(1)
            let putter = try await startedTask(loop) { try await queue.put(1) }
            XCTAssertEqual(queue.waitingPutters, 1)
            putter.cancel()
            await assertThrowsAsync(CancellationError.self) { try await putter.value }
            XCTAssertEqual(queue.waitingPutters, 0)
        }
    }

    // CPython: QueuePutTests.test_cancelled_put_silence_value_error_exception
    func testCancelledPutAfterWakeUp() {
        runLoopTest { loop, _ in
            let queue = Queue<Int>(maxsize: 1, loop: loop)
            try queue.putNowait(1)
            let putter = try await startedTask(loop) { try await queue.put(2) }
            // getNowait wakes the putter (it leaves the line); then it is cancelled.
            _ = try queue.getNowait()
            putter.cancel()
            await assertThrowsAsync(CancellationError.self) { try await putter.value }
            XCTAssertTrue(queue.empty, "the cancelled put added nothing")
        }
    }

    // Not in CPython: a cancelled putter that had been woken passes its turn on.
    func testWokenPutterCancelledWakesTheNext() {
        runLoopTest { loop, _ in
            let queue = Queue<Int>(maxsize: 1, loop: loop)
            try queue.putNowait(1)
            let first = try await startedTask(loop) { try await queue.put(2) }
            let second = try await startedTask(loop) { try await queue.put(3) }
            XCTAssertEqual(try queue.getNowait(), 1)
            first.cancel()
            await assertThrowsAsync(CancellationError.self) { try await first.value }
            try await second.value
            XCTAssertEqual(try queue.getNowait(), 3)
        }
    }

    // Not in CPython: puts and gets cancelled at arbitrary points (while waiting, just
    // after being woken, or after finishing); every item put is gotten exactly once.
    func testCancellationsLoseAndDuplicateNothing() {
        runLoopTest { loop, _ in
            var random = SplitMix64(seed: 15)
            let queue = Queue<Int>(maxsize: 2, loop: loop)
            let put = Box<[Int]>([]), gotten = Box<[Int]>([])
            var tasks: [Task<Void, any Error>] = []
            for item in 0..<400 {
                if random.next() % 2 == 0 {
                    tasks.append(try await startedTask(loop) {
                        try await queue.put(item)
                        put.value.append(item)
                    })
                } else {
                    tasks.append(try await startedTask(loop) { gotten.value.append(try await queue.get()) })
                }
                if random.next() % 3 == 0 { tasks[Int(random.next() % UInt64(tasks.count))].cancel() }
                if random.next() % 4 == 0 { try await loop.sleep(.zero) }
            }
            for task in tasks { task.cancel() }
            for task in tasks { _ = await task.result }
            XCTAssertEqual(queue.waitingGetters + queue.waitingPutters, 0)
            while !queue.empty { gotten.value.append(try queue.getNowait()) }
            XCTAssertEqual(gotten.value.sorted(), put.value.sorted())
            XCTAssertGreaterThan(put.value.count, 0)
        }
    }

    // MARK: the order of each kind

    // CPython: QueueBasicTests.test_order, LifoQueueTests.test_order,
    // PriorityQueueTests.test_order
    func testOrderOfEachKind() {
        runLoopTest { loop, _ in
            let fifo = try await putAllThenGetAll(Queue<Int>(loop: loop), [1, 3, 2])
            XCTAssertEqual(fifo, [1, 3, 2])
            let lifo = try await putAllThenGetAll(LifoQueue<Int>(loop: loop), [1, 3, 2])
            XCTAssertEqual(lifo, [2, 3, 1])
            let priority = try await putAllThenGetAll(PriorityQueue<Int>(loop: loop), [1, 3, 2])
            XCTAssertEqual(priority, [1, 2, 3])
        }
    }

    // Not in CPython (heapq keeps no order among equals): equal priorities come out in
    // the order they were put.
    func testPriorityKeepsOrderAmongEquals() {
        struct Job: Comparable, Sendable {
            var priority: Int
            var name: String
            static func < (lhs: Job, rhs: Job) -> Bool { lhs.priority < rhs.priority }
            static func == (lhs: Job, rhs: Job) -> Bool { lhs.priority == rhs.priority }
        }
        runLoopTest { loop, _ in
            let queue = PriorityQueue<Job>(loop: loop)
            let names = (0..<20).map { "job\($0)" }
            for (index, name) in names.enumerated() {
                try queue.putNowait(Job(priority: index % 2, name: name))
            }
            var order: [String] = []
            while !queue.empty { order.append(try queue.getNowait().name) }
            let evens = names.enumerated().filter { $0.offset % 2 == 0 }.map(\.element)
            let odds = names.enumerated().filter { $0.offset % 2 == 1 }.map(\.element)
            XCTAssertEqual(order, evens + odds)
        }
    }
}

/// Puts `items` with `put`, then gets as many with `get`: the order tests' common part.
private nonisolated(nonsending) func putAllThenGetAll<S: QueueStorage>(
    _ queue: LoopQueue<S>, _ items: [S.Element]
) async throws -> [S.Element] {
    for item in items { try await queue.put(item) }
    var gotten: [S.Element] = []
    for _ in items { gotten.append(try await queue.get()) }
    return gotten
}

/// A seeded generator, so the cancellation test runs the same schedule every time.
private struct SplitMix64 {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
