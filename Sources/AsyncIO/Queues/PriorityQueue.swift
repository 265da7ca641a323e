import HeapModule

/// A queue that hands out its smallest item first, on one loop: asyncio's `PriorityQueue`.
/// Create one with `PriorityQueue<Element>(maxsize:loop:)`; everything it does is described
/// on `LoopQueue`.
///
/// Unlike asyncio's (a `heapq`, which does not keep the order of equal items), items that
/// compare equal come out in the order they were put: asyncio users add a counter to their
/// `(priority, count, item)` tuples for that; here the storage does it.
public typealias PriorityQueue<Element: Sendable & Comparable> = LoopQueue<PriorityQueueStorage<Element>>

/// Smallest first, equal items first in, first out: the storage of `PriorityQueue`
/// (asyncio's list with `heappush` and `heappop`).
public struct PriorityQueueStorage<Element: Sendable & Comparable>: QueueStorage {
    /// An item and when it was pushed: the tie-breaker that keeps equal items in order.
    private struct Entry: Comparable {
        var element: Element
        var sequence: UInt64

        static func < (lhs: Entry, rhs: Entry) -> Bool {
            if lhs.element < rhs.element { return true }
            if rhs.element < lhs.element { return false }
            return lhs.sequence < rhs.sequence
        }

        static func == (lhs: Entry, rhs: Entry) -> Bool {
            lhs.sequence == rhs.sequence
        }
    }

    private var heap = Heap<Entry>()
    private var nextSequence: UInt64 = 0

    /// An empty storage.
    public init() {}

    /// How many items are stored.
    public var count: Int { heap.count }

    /// Inserts `element` after the items equal to it.
    public mutating func push(_ element: Element) {
        heap.insert(Entry(element: element, sequence: nextSequence))
        nextSequence &+= 1
    }

    /// Removes the smallest item (the oldest of equal ones).
    public mutating func pop() -> Element { heap.removeMin().element }

    /// The items in heap order, as asyncio prints its heap.
    public var contents: [Element] { heap.unordered.map(\.element) }

    /// The name asyncio prints for this queue.
    public static var queueName: String { "PriorityQueue" }
}
