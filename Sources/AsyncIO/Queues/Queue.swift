import DequeModule

/// A first-in, first-out queue for coordinating producer and consumer tasks on one loop:
/// asyncio's `Queue`. Create one with `Queue<Element>(maxsize:loop:)`; everything it
/// does is described on `LoopQueue`.
public typealias Queue<Element: Sendable> = LoopQueue<FIFOQueueStorage<Element>>

/// First in, first out: the storage of `Queue` (asyncio's `collections.deque` with
/// `append` and `popleft`).
public struct FIFOQueueStorage<Element: Sendable>: QueueStorage {
    private var items = Deque<Element>()

    /// An empty storage.
    public init() {}

    /// How many items are stored.
    public var count: Int { items.count }

    /// Appends `element` at the back.
    public mutating func push(_ element: Element) { items.append(element) }

    /// Removes the front item, the oldest.
    public mutating func pop() -> Element { items.removeFirst() }

    /// The items, oldest first.
    public var contents: [Element] { Array(items) }

    /// The name asyncio prints for this queue.
    public static var queueName: String { "Queue" }
}
