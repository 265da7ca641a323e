// Which executor does an actor-isolated await resume on? Separate serial / task executor objects.
// swiftc -O -swift-version 6 -parse-as-library probe.swift -o probe && ./probe <mode>
import Glibc
final class Q: @unchecked Sendable {
    var jobs: [UnownedJob] = []
    var serialEnq = 0, taskEnq = 0
}
final class SE: SerialExecutor, @unchecked Sendable {
    let q: Q; init(_ q: Q) { self.q = q }
    func enqueue(_ job: consuming ExecutorJob) { q.serialEnq += 1; q.jobs.append(UnownedJob(job)) }
    func isIsolatingCurrentContext() -> Bool? { true }
    func checkIsolated() {}
}
final class TE: TaskExecutor, @unchecked Sendable {
    let q: Q; init(_ q: Q) { self.q = q }
    func enqueue(_ job: consuming ExecutorJob) { q.taskEnq += 1; q.jobs.append(UnownedJob(job)) }
}
actor A {
    let se: SE
    nonisolated var unownedExecutor: UnownedSerialExecutor { se.asUnownedSerialExecutor() }
    init(_ se: SE) { self.se = se }
    var pending: [UnsafeContinuation<Void, Never>] = []
    func loopBody(_ n: Int) async {
        for _ in 0..<n { await withUnsafeContinuation { c in pending.append(c) } }
    }
}
@main struct Main {
    static func main() {
        let mode = CommandLine.arguments.count > 1 ? CommandLine.arguments[1] : "task"
        let q = Q(); let se = SE(q); let te = TE(q)
        let a = A(se)
        nonisolated(unsafe) var done = false
        let n = 100
        if mode.hasPrefix("nopref") {
            Task { await a.loopBody(n); done = true }
        } else {
            Task(executorPreference: te) { await a.loopBody(n); done = true }
        }
        // wait until the first job arrives (from the global pool), then drain on this thread
        var spins = 0
        while !done && spins < 50_000_000 {
            spins += 1
            if !q.jobs.isEmpty {
                let j = q.jobs.removeFirst()
                switch mode {
                case "task", "nopref-task": j.runSynchronously(on: te.asUnownedTaskExecutor())
                case "serial", "nopref-serial": j.runSynchronously(on: se.asUnownedSerialExecutor())
                default: j.runSynchronously(isolatedTo: se.asUnownedSerialExecutor(), taskExecutor: te.asUnownedTaskExecutor())
                }
                continue
            }
            // the "I/O callback": resume a waiting continuation
            a.assumeIsolated { a in if !a.pending.isEmpty { a.pending.removeFirst().resume() } }
            usleep(10)
        }
        print(mode, "done:", done, "serial enqueues/await:", Double(q.serialEnq)/Double(n), "task enqueues/await:", Double(q.taskEnq)/Double(n))
    }
}
