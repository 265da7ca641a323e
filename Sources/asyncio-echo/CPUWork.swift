/// `--work R`: a fixed CPU cost per request, for measuring how a server scales over loops
/// when its handler, not the kernel, is the bottleneck. Every received byte goes R times
/// through FNV-1a (a dependent multiply per byte, which no compiler vectorises away), so
/// the cost is proportional to the bytes, whatever chunks the kernel delivers them in.
struct CPUWork: Sendable {
    /// Passes over each received chunk; 0 means none (the plain echo).
    var rounds: Int

    /// Hashes `bytes` `rounds` times. The digest is folded into `sink`, which the protocol
    /// keeps, so the work cannot be optimised out.
    func run(_ bytes: UnsafeRawBufferPointer, into sink: inout UInt64) {
        guard rounds > 0 else { return }
        var hash = sink ^ 0xcbf2_9ce4_8422_2325
        for _ in 0..<rounds {
            for byte in bytes { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01b3 }
        }
        sink = hash
    }

    /// Makes a digest observable (printed only in the impossible case that it is 1), so
    /// the optimiser must compute it.
    func keep(_ digest: UInt64) {
        if rounds > 0, digest == 1 { print("") }
    }
}
