@testable import AsyncIO
import Glibc
import XCTest

final class ProcessTests: XCTestCase {
    // CPython: test_subprocess.SubprocessMixin.test_communicate
    func testCommunicate() {
        runLoopTest { loop, _ in
            let process = try await loop.createSubprocessExec("/bin/cat", stdin: .pipe, stdout: .pipe)
            XCTAssertNil(process.stderr)
            let (output, errors) = try await withTimeout(.seconds(10)) {
                try await process.communicate(input: Array("some data".utf8))
            }
            XCTAssertEqual(output, Array("some data".utf8))
            XCTAssertNil(errors)
            XCTAssertEqual(process.returnCode, 0)
        }
    }

    // CPython: test_subprocess.SubprocessMixin.test_communicate_none_input / test_empty_input
    func testCommunicateWithoutInputClosesStdin() {
        runLoopTest { loop, _ in
            for input: [UInt8]? in [nil, []] {
                let process = try await loop.createSubprocessExec(
                    "/bin/cat", stdin: .pipe, stdout: .pipe, stderr: .pipe)
                let (output, errors) = try await withTimeout(.seconds(10)) {
                    try await process.communicate(input: input)
                }
                XCTAssertEqual(output, [])
                XCTAssertEqual(errors, [])
                XCTAssertEqual(process.returnCode, 0)
            }
        }
    }

    // CPython: test_subprocess.SubprocessMixin.test_stdin_stdout (write, drain, read a
    // line, close stdin, wait).
    func testStdinStdoutStreams() {
        runLoopTest { loop, _ in
            let process = try await loop.createSubprocessExec("/bin/cat", stdin: .pipe, stdout: .pipe)
            let stdin = try XCTUnwrap(process.stdin)
            let stdout = try XCTUnwrap(process.stdout)
            stdin.write(Array("line one\n".utf8))
            try await stdin.drain()
            let line = try await withTimeout(.seconds(10)) { try await stdout.readLine() }
            XCTAssertEqual(line, Array("line one\n".utf8))
            stdin.close()
            let code = try await withTimeout(.seconds(10)) { try await process.wait() }
            XCTAssertEqual(code, 0)
            XCTAssertTrue(stdout.atEOF)
            _ = loop
        }
    }

    // CPython: test_subprocess.SubprocessMixin.test_pause_reading (a small limit pauses
    // the stdout pipe; every byte still arrives).
    func testSmallLimitStillDeliversEverything() {
        runLoopTest { loop, _ in
            let process = try await loop.createSubprocessExec(
                "/bin/cat", stdin: .pipe, stdout: .pipe, limit: 1024)
            let payload = (0..<(256 * 1024)).map { UInt8(truncatingIfNeeded: $0 &* 7) }
            let (output, _) = try await withTimeout(.seconds(10)) { try await process.communicate(input: payload) }
            XCTAssertTrue(output == payload)
            XCTAssertEqual(process.returnCode, 0)
        }
    }

    // CPython: test_subprocess.SubprocessMixin.test_stdin_broken_pipe (the child exits
    // only once the buffer is filled: it reads one line and leaves the rest unread).
    func testDrainAfterChildExitedThrowsBrokenPipe() {
        runLoopTest { loop, _ in
            let process = try await loop.createSubprocessShell("read line; exit 0", stdin: .pipe)
            let stdin = try XCTUnwrap(process.stdin)
            stdin.write(Array("go\n".utf8) + [UInt8](repeating: 0x78, count: 4 << 20))
            do {
                try await withTimeout(.seconds(10)) { try await stdin.drain() }
                XCTFail("drain succeeded although the child never read")
            } catch let error as OSError {
                XCTAssertTrue(error.errno == EPIPE || error.errno == ECONNRESET, "\(error)")
            }
            let code = try await withTimeout(.seconds(10)) { try await process.wait() }
            XCTAssertEqual(code, 0)
        }
    }

    // The stdin writer writes to the pipe itself (no adapter, no reader): over a real cat
    // whose stdout nobody reads yet, the pipe pauses and drain waits; reading stdout lets
    // cat read, and drain returns; closing stdin ends waitClosed, cat sees EOF.
    // CPython: test_subprocess.SubprocessMixin.test_stdin_stdout (write, drain, close) and
    // SubprocessStreamProtocol._get_close_waiter (stdin's wait_closed)
    func testStdinWriterDrainsAndWaitsClosedOverCat() {
        runLoopTest { loop, _ in
            let process = try await loop.createSubprocessExec("/bin/cat", stdin: .pipe, stdout: .pipe)
            let stdin = try XCTUnwrap(process.stdin)
            let stdout = try XCTUnwrap(process.stdout)
            XCTAssertFalse(stdin.transport is any Transport, "stdin is a write-only pipe")
            XCTAssertNil(stdin.reader)
            var written = try await writeUntilPaused(loop, stdin, [UInt8](repeating: 0x61, count: 64 * 1024), limit: 64 << 20)
            XCTAssertTrue(stdin.flowControl.isWritingPaused)
            // cat may still be reading when the pause comes; 4 MiB more than its pipes and
            // its buffer can take keeps the transport's buffer above the low-water mark, so
            // writing stays paused until stdout is read.
            stdin.write([UInt8](repeating: 0x62, count: 4 << 20))
            written += 4 << 20
            let (drain, drained) = try await startWaitingDrain(loop, stdin)
            let output = loop.createTask { try await stdout.read() }
            try await withTimeout(.seconds(30)) { try await drain.value }
            XCTAssertTrue(drained.value)
            stdin.close()
            try await withTimeout(.seconds(30)) { try await stdin.waitClosed() }
            XCTAssertTrue(stdin.isClosing)
            let echoed = try await withTimeout(.seconds(30)) { try await output.value }
            XCTAssertEqual(echoed.count, written)
            let code = try await withTimeout(.seconds(30)) { try await process.wait() }
            XCTAssertEqual(code, 0)
        }
    }

    // A child that exits without reading: the stdin writer's waitClosed throws the pipe's
    // error, and startTLS refuses the pipe (it is not a socket transport).
    // CPython: test_subprocess.SubprocessMixin.test_stdin_broken_pipe, and
    // SubprocessStreamProtocol.pipe_connection_lost (`_stdin_closed.set_exception(exc)`)
    func testStdinWaitClosedThrowsTheBrokenPipe() {
        runLoopTest { loop, _ in
            let process = try await loop.createSubprocessShell("read line; exit 0", stdin: .pipe)
            let stdin = try XCTUnwrap(process.stdin)
            do {
                try await stdin.startTLS(try SSLContext(.client), serverHostname: "localhost")
                XCTFail("startTLS accepted a pipe")
            } catch let error as InvalidArgumentError {
                XCTAssertTrue(error.message.hasSuffix("is not supported by start_tls()"), error.message)
            }
            stdin.write(Array("go\n".utf8) + [UInt8](repeating: 0x78, count: 4 << 20))
            do {
                try await withTimeout(.seconds(10)) { try await stdin.waitClosed() }
                XCTFail("waitClosed succeeded although the child never read")
            } catch let error as OSError {
                XCTAssertEqual(error.errno, EPIPE, "\(error)")
            }
            let code = try await withTimeout(.seconds(10)) { try await process.wait() }
            XCTAssertEqual(code, 0)
        }
    }

    // CPython: test_subprocess.SubprocessMixin.test_communicate_ignore_broken_pipe
    func testCommunicateIgnoresBrokenPipe() {
        runLoopTest { loop, _ in
            let process = try await loop.createSubprocessShell("exit 0", stdin: .pipe, stdout: .pipe)
            let (output, _) = try await withTimeout(.seconds(10)) {
                try await process.communicate(input: [UInt8](repeating: 0x78, count: 4 << 20))
            }
            XCTAssertEqual(output, [])
            XCTAssertEqual(process.returnCode, 0)
        }
    }

    // CPython: test_subprocess.SubprocessMixin.test_kill / test_terminate
    func testKillAndTerminate() {
        runLoopTest { loop, _ in
            for (signal, send) in [(SIGKILL, { (p: Subprocess.Process) in try p.kill() }),
                                   (SIGTERM, { (p: Subprocess.Process) in try p.terminate() })] {
                let process = try await loop.createSubprocessExec("/bin/sleep", ["30"])
                XCTAssertNil(process.returnCode)
                try send(process)
                let code = try await withTimeout(.seconds(10)) { try await process.wait() }
                XCTAssertEqual(code, -signal)
                XCTAssertThrowsError(try process.sendSignal(SIGHUP)) {
                    XCTAssertEqual(($0 as? OSError)?.errno, ESRCH)
                }
            }
        }
    }

    // CPython: test_subprocess.SubprocessMixin.test_read_stdout_after_process_exit
    func testReadStdoutAfterExit() {
        runLoopTest { loop, _ in
            let process = try await loop.createSubprocessShell("echo out; echo err >&2", stdout: .pipe, stderr: .stdout)
            XCTAssertNil(process.stderr)
            let code = try await withTimeout(.seconds(10)) { try await process.wait() }
            XCTAssertEqual(code, 0)
            let stdout = try XCTUnwrap(process.stdout)
            let output = try await stdout.read()
            XCTAssertEqual(String(decoding: output, as: UTF8.self), "out\nerr\n")
        }
    }

    // CPython: test_subprocess.SubprocessMixin.test_subprocess_concurrent_wait
    func testConcurrentWait() {
        runLoopTest { loop, _ in
            let process = try await loop.createSubprocessExec("/bin/sleep", ["0.1"])
            let waiters = (0..<3).map { _ in loop.createTask { try await process.wait() } }
            for waiter in waiters {
                let code = try await withTimeout(.seconds(10)) { try await waiter.value }
                XCTAssertEqual(code, 0)
            }
        }
    }

    // CPython: test_subprocess.SubprocessMixin.test_cancel_process_wait
    func testCancelledWaitLeavesProcessUsable() {
        runLoopTest { loop, _ in
            let process = try await loop.createSubprocessExec("/bin/sleep", ["30"])
            let waiter = loop.createTask { try await process.wait() }
            try await loop.sleep(.milliseconds(10))
            waiter.cancel()
            do {
                _ = try await waiter.value
                XCTFail("cancelled wait returned")
            } catch is CancellationError {}
            XCTAssertNil(process.returnCode)
            try process.kill()
            let code = try await withTimeout(.seconds(10)) { try await process.wait() }
            XCTAssertEqual(code, -SIGKILL)
        }
    }

    func testDescription() {
        runLoopTest { loop, _ in
            let process = try await loop.createSubprocessExec("/bin/true")
            XCTAssertEqual("\(process)", "<Process \(process.pid)>")
            _ = try await withTimeout(.seconds(10)) { try await process.wait() }
        }
    }

    func testInvalidLimitStartsNothing() {
        runLoopTest { loop, _ in
            do {
                _ = try await loop.createSubprocessExec("/bin/true", stdout: .pipe, limit: 0)
                XCTFail("limit 0 accepted")
            } catch let error as StreamError {
                XCTAssertEqual(error, .invalidLimit)
            }
        }
    }
}
