// Main actor probe: the loop runs on the main thread; a handler does `await MainActor.run {}`.
// swift run -c release mainactor [drain]   (without "drain" it deadlocks: run with `timeout 5`)
import Loop
let drain = CommandLine.arguments.contains("drain")
let r = try EventLoop.run(drainMainQueue: drain) { loop in
    print("loop on main thread; MainActor.assumeIsolated works here?",
          "isolated check skipped")
    let v = await MainActor.run { () -> Int in
        MainActor.preconditionIsolated()
        return 42
    }
    let t0 = nowNanos(); let n = 20_000
    for _ in 0..<n { _ = await MainActor.run { 1 } }
    print("MainActor.run from loop code returned", v, "; round trip", (nowNanos() - t0) / UInt64(n), "ns")
    return v
}
print("done", r)
