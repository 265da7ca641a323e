/// A last-in, first-out queue (a stack) on one loop: asyncio's `LifoQueue`. Create one
/// with `LifoQueue<Element>(maxsize:loop:)`; everything it does is described on `LoopQueue`.
public typealias LifoQueue<Element: Sendable> = LoopQueue<LIFOQueueStorage<Element>>

/// Last in, first out: the storage of `LifoQueue` (asyncio's list with `append` and `pop`).
public struct LIFOQueueStorage<Element: Sendable>: QueueStorage {
    private var items: [Element] = []

    /// An empty storage.
    public init() {}

    /// How many items are stored.
    public var count: Int { items.count }

    /// Pushes `element` on top.
    public mutating func push(_ element: Element) { items.append(element) }

    /// Removes the top item, the newest.
    public mutating func pop() -> Element { items.removeLast() }

    /// The items, oldest first (the newest is last).
    public var contents: [Element] { items }

    /// The name asyncio prints for this queue.
    public static var queueName: String { "LifoQueue" }
}
