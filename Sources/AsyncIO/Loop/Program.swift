import Glibc

/// The two process-level calls a command-line program around a loop needs and Swift's
/// standard library lacks, so such a program compiles with `import AsyncIO` alone:
/// Python's `sys.stdout.flush()` and `sys.exit(status)`. Namespaced, because free
/// functions named `flush`/`exit` would collide with Glibc's in files importing both.
public enum Program {
    /// Writes out what `print` buffered, on every C output stream (Python's
    /// `sys.stdout.flush()`): stdout is fully buffered when it is a pipe, so a line a
    /// supervising script waits for (`listening on …`) would otherwise sit in the buffer.
    public static func flushOutput() {
        fflush(nil)  // nil: every stream; Swift 6 cannot name the C global `stdout`
    }

    /// Ends the process with `status` after flushing output and running `atexit`
    /// handlers (Python's `sys.exit(status)`; C's `exit`).
    public static func exit(_ status: Int32) -> Never {
        Glibc.exit(status)
    }
}
