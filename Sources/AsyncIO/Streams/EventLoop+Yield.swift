extension EventLoop {
    /// Lets the ready queue run once before continuing (asyncio's `await sleep(0)`),
    /// without a timer.
    nonisolated(nonsending) func yieldToLoop() async throws {
        try await suspend { (waiter: LoopWaiter<Void>) in
            let handle = scheduleSoon { waiter.resume(returning: ()) }
            waiter.onCancel = { handle.cancel() }
        }
    }
}
