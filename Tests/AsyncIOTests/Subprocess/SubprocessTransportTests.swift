@testable import AsyncIO
import Glibc
import XCTest

final class SubprocessTransportTests: XCTestCase {
    // CPython: test_subprocess.SubprocessMixin.test_subprocess_protocol_events
    // (per-pipe order: data, then pipe_connection_lost; process_exited; connection_lost last).
    func testEchoEventOrder() {
        runLoopTest { loop, _ in
            let (transport, proto) = try await loop.subprocessExec(
                { RecordingSubprocessProtocol(loop: loop) }, "/bin/echo", ["hello"], stdin: .devNull)
            XCTAssertEqual(proto.events.first, .made, "subprocessExec returns after connectionMade")
            XCTAssertGreaterThan(transport.pid, 0)
            try await waitFinished(proto)
            XCTAssertEqual(proto.text(1), "hello\n")
            XCTAssertEqual(proto.events(of: 1), [.data(1), .pipeLost(1, errno: nil)])
            XCTAssertEqual(proto.events(of: 2), [.pipeLost(2, errno: nil)])
            XCTAssertEqual(proto.events.filter { $0 == .exited }.count, 1)
            XCTAssertEqual(proto.events.last, .lost)
            XCTAssertEqual(proto.events.filter { $0 == .lost }.count, 1)
            XCTAssertEqual(transport.returnCode, 0)
            XCTAssertEqual(proto.returnCodeAtExit, 0)
            XCTAssertNil(transport.getPipeTransport(0))
            XCTAssertTrue(transport.getPipeTransport(1) is any ReadTransport)
        }
    }

    // CPython: test_events.SubprocessTestsMixin.test_subprocess_exec (stdin pipe also
    // reports its loss once the child is gone).
    func testStdinPipeIsReportedLostWhenChildExits() {
        runLoopTest { loop, _ in
            let (transport, proto) = try await loop.subprocessExec(
                { RecordingSubprocessProtocol(loop: loop) }, "/bin/echo", ["hi"])
            XCTAssertTrue(transport.getPipeTransport(0) is any WriteTransport)
            try await waitFinished(proto)
            XCTAssertEqual(proto.events(of: 0), [.pipeLost(0, errno: nil)])
            XCTAssertEqual(proto.text(1), "hi\n")
            XCTAssertEqual(proto.events.last, .lost)
        }
    }

    // CPython: test_subprocess.SubprocessMixin.test_stdin_stdout and test_events
    // SubprocessTestsMixin.test_subprocess_interactive, with 1 MiB through flow control.
    func testCatEchoesOneMebibyteWithFlowControl() {
        runLoopTest { loop, _ in
            let (transport, proto) = try await loop.subprocessExec(
                { RecordingSubprocessProtocol(loop: loop) }, "/bin/cat")
            let stdin = try XCTUnwrap(transport.getPipeTransport(0) as? any WriteTransport)
            let payload = (0..<(1 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 31) }
            stdin.write(payload)
            // A socket pair holds far less than 1 MiB: the rest is buffered above the mark.
            XCTAssertGreaterThan(stdin.writeBufferSize, 64 * 1024)
            XCTAssertEqual(proto.events.last, .pauseWriting)
            let box = Box(proto)
            try await withTimeout(.seconds(10)) {
                while !box.value.events.contains(.resumeWriting) { try await loop.sleep(.milliseconds(5)) }
            }
            stdin.close()
            try await waitFinished(proto)
            XCTAssertEqual(proto.output[1]?.count, payload.count)
            XCTAssertTrue(proto.output[1] == payload)
            XCTAssertEqual(transport.returnCode, 0)
            XCTAssertEqual(proto.events(of: 0), [.pipeLost(0, errno: nil)])
        }
    }

    // The pump asyncio's docs describe: write until pauseWriting, go on from
    // resumeWriting, close() after the last write. The write pipe used to check its
    // queue before calling resumeWriting, and a close() made from there dropped the tail
    // the same call had queued (found by asyncio-pipe-bench).
    func testWritesFromResumeWritingThenCloseLoseNothing() {
        runLoopTest { loop, _ in
            let total = 8 << 20
            let (transport, proto) = try await loop.subprocessExec(
                { PumpingSubprocessProtocol(loop: loop, total: total) }, "/bin/cat")
            try await withTimeout(.seconds(20)) { try await proto.finished.value }
            XCTAssertEqual(proto.received, total)
            XCTAssertEqual(proto.mismatches, 0)
            XCTAssertGreaterThan(proto.resumeCount, 0, "flow control never paused the pump")
            XCTAssertEqual(transport.returnCode, 0)
        }
    }

    func testFalseReturnsOne() {
        runLoopTest { loop, _ in
            let (transport, proto) = try await loop.subprocessExec(
                { RecordingSubprocessProtocol(loop: loop) }, "/bin/false")
            try await waitFinished(proto)
            XCTAssertEqual(transport.returnCode, 1)
        }
    }

    // CPython: test_subprocess.SubprocessMixin.test_kill
    func testKillGivesMinusSIGKILL() {
        runLoopTest { loop, _ in
            let (transport, proto) = try await loop.subprocessExec(
                { RecordingSubprocessProtocol(loop: loop) }, "/bin/sleep", ["30"])
            XCTAssertNil(transport.returnCode)
            try transport.kill()
            try await waitFinished(proto)
            XCTAssertEqual(transport.returnCode, -SIGKILL)
        }
    }

    // CPython: test_subprocess.SubprocessMixin.test_terminate
    func testTerminateGivesMinusSIGTERM() {
        runLoopTest { loop, _ in
            let (transport, proto) = try await loop.subprocessExec(
                { RecordingSubprocessProtocol(loop: loop) }, "/bin/sleep", ["30"])
            try transport.terminate()
            try await waitFinished(proto)
            XCTAssertEqual(transport.returnCode, -SIGTERM)
        }
    }

    // CPython: test_subprocess.SubprocessMixin.test_send_signal (the child handles the
    // signal, says so and exits 0).
    func testSendSignalReachesChildHandler() {
        runLoopTest { loop, _ in
            let script = "trap 'echo got-signal; exit 0' USR1; echo ready; while :; do /bin/sleep 0.05; done"
            let (transport, proto) = try await loop.subprocessShell(
                { RecordingSubprocessProtocol(loop: loop) }, script, stdin: .devNull)
            let box = Box(proto)
            try await withTimeout(.seconds(10)) {
                while !box.value.text(1).contains("ready") { try await loop.sleep(.milliseconds(5)) }
            }
            try transport.sendSignal(SIGUSR1)
            try await waitFinished(proto)
            XCTAssertEqual(proto.text(1), "ready\ngot-signal\n")
            XCTAssertEqual(transport.returnCode, 0)
        }
    }

    // CPython: test_subprocess.SubprocessMixin.test_subprocess_send_signal_race
    // (ProcessLookupError once the child is gone; here as soon as it exited).
    func testSignalAfterExitIsProcessLookupError() {
        runLoopTest { loop, _ in
            let (transport, proto) = try await loop.subprocessExec(
                { RecordingSubprocessProtocol(loop: loop) }, "/bin/true")
            try await waitFinished(proto)
            XCTAssertEqual(transport.returnCode, 0)
            for send in [{ try transport.kill() }, { try transport.terminate() }, { try transport.sendSignal(SIGHUP) }] {
                XCTAssertThrowsError(try send()) { error in
                    XCTAssertEqual((error as? OSError)?.errno, ESRCH)
                }
            }
        }
    }

    // CPython: test_subprocess.SubprocessMixin.test_create_subprocess_exec_with_path /
    // test_popen_error (a failed start leaves nothing open).
    func testMissingProgramThrowsENOENT() {
        runLoopTest { loop, _ in
            let made = Box(0)
            do {
                _ = try await loop.subprocessExec(
                    { () -> RecordingSubprocessProtocol in made.value += 1; return RecordingSubprocessProtocol(loop: loop) },
                    "asyncio-no-such-program-\(getpid())", ["x"])
                XCTFail("spawning a missing program succeeded")
            } catch let error as OSError {
                XCTAssertEqual(error.errno, ENOENT)
                XCTAssertTrue(error.message.contains("asyncio-no-such-program"), error.message)
            }
            // The harness checks that no pipe or process handle is left open.
            XCTAssertEqual(made.value, 1)
        }
    }

    func testStderrToStdoutMergesStreams() {
        runLoopTest { loop, _ in
            let (transport, proto) = try await loop.subprocessShell(
                { RecordingSubprocessProtocol(loop: loop) }, "echo out; echo err >&2; echo out2",
                stdin: .devNull, stderr: .stdout)
            XCTAssertNil(transport.getPipeTransport(2))
            try await waitFinished(proto)
            XCTAssertEqual(proto.text(1), "out\nerr\nout2\n")
            XCTAssertNil(proto.output[2])
            XCTAssertEqual(transport.returnCode, 0)
        }
    }

    // CPython: test_subprocess.SubprocessMixin.test_shell
    func testShell() {
        runLoopTest { loop, _ in
            let (transport, proto) = try await loop.subprocessShell(
                { RecordingSubprocessProtocol(loop: loop) }, "echo $((6 * 7)); exit 3")
            try await waitFinished(proto)
            XCTAssertEqual(proto.text(1), "42\n")
            XCTAssertEqual(transport.returnCode, 3)
        }
    }

    // CPython: test_subprocess.SubprocessMixin.test_create_subprocess_env_shell / _exec
    func testEnvironmentAndCurrentDirectory() {
        runLoopTest { loop, _ in
            let (_, proto) = try await loop.subprocessShell(
                { RecordingSubprocessProtocol(loop: loop) }, "echo \"$FOO\"; pwd",
                environment: ["FOO": "bar", "PATH": "/usr/bin:/bin"], currentDirectory: "/")
            try await waitFinished(proto)
            XCTAssertEqual(proto.text(1), "bar\n/\n")
        }
    }

    // CPython: test_subprocess.SubprocessMixin.test_devnull_input / test_devnull_output /
    // test_devnull_error
    func testDevNull() {
        runLoopTest { loop, _ in
            let (transport, proto) = try await loop.subprocessShell(
                { RecordingSubprocessProtocol(loop: loop) }, "cat; echo visible; echo hidden >&2",
                stdin: .devNull, stderr: .devNull)
            try await waitFinished(proto)
            XCTAssertEqual(proto.text(1), "visible\n")
            XCTAssertNil(transport.getPipeTransport(2))
            XCTAssertEqual(transport.returnCode, 0)
        }
    }

    func testFileDescriptorStdout() {
        runLoopTest { loop, _ in
            var fds: [Int32] = [-1, -1]
            XCTAssertEqual(pipe(&fds), 0)
            defer { close(fds[0]) }
            let (transport, proto) = try await loop.subprocessExec(
                { RecordingSubprocessProtocol(loop: loop) }, "/bin/echo", ["to-fd"],
                stdin: .devNull, stdout: .fileDescriptor(fds[1]), stderr: .devNull)
            close(fds[1])
            try await waitFinished(proto)
            XCTAssertEqual(transport.returnCode, 0)
            var buffer = [UInt8](repeating: 0, count: 64)
            let count = read(fds[0], &buffer, buffer.count)
            XCTAssertEqual(String(decoding: buffer.prefix(max(count, 0)), as: UTF8.self), "to-fd\n")
        }
    }

    // CPython: test_subprocess.SubprocessMixin.test_close_kill_running
    func testCloseKillsRunningChild() {
        runLoopTest { loop, _ in
            let (transport, proto) = try await loop.subprocessExec(
                { RecordingSubprocessProtocol(loop: loop) }, "/bin/sleep", ["30"])
            XCTAssertNil(transport.returnCode)
            transport.close()
            XCTAssertTrue(transport.isClosing)
            XCTAssertEqual((transport as? ProcessTransport)?.wasKilledByClose, true)
            try await waitFinished(proto)
            XCTAssertEqual(transport.returnCode, -SIGKILL)
        }
    }

    // CPython: test_subprocess.SubprocessMixin.test_close_dont_kill_finished (the child
    // exited but the loop has not reaped it yet: close() must not kill it).
    func testCloseDoesNotKillFinishedChild() {
        runLoopTest { loop, _ in
            // The child exits once it reads a line, which we send without returning to the loop.
            let (transport, proto) = try await loop.subprocessShell(
                { RecordingSubprocessProtocol(loop: loop) }, "read line",
                stdout: .devNull, stderr: .devNull)
            let stdin = try XCTUnwrap(transport.getPipeTransport(0) as? any WriteTransport)
            stdin.write(Array("go\n".utf8))
            XCTAssertEqual(stdin.writeBufferSize, 0)
            let pid = transport.pid
            // Block the loop thread (so libuv cannot reap) until the child is a zombie.
            var info = siginfo_t()
            var terminated = false
            for _ in 0..<1000 where !terminated {
                terminated = waitid(P_PID, id_t(pid), &info, WEXITED | WNOHANG | WNOWAIT) == 0
                    && info._sifields._sigchld.si_pid == pid
                if !terminated { usleep(5000) }
            }
            XCTAssertTrue(terminated)
            XCTAssertNil(transport.returnCode)
            transport.close()
            try await waitFinished(proto)
            XCTAssertEqual(transport.returnCode, 0)
            XCTAssertEqual((transport as? ProcessTransport)?.wasKilledByClose, false,
                           "close() must not kill a child that already exited")
        }
    }

    // CPython: test_subprocess.SubprocessMixin.test_stdin_broken_pipe (the child exits
    // only once the buffer is filled: it reads one line and leaves the rest unread).
    func testStdinBrokenPipe() {
        runLoopTest { loop, _ in
            let (transport, proto) = try await loop.subprocessShell(
                { RecordingSubprocessProtocol(loop: loop) }, "read line; exit 0", stdout: .devNull, stderr: .devNull)
            let stdin = try XCTUnwrap(transport.getPipeTransport(0) as? any WriteTransport)
            XCTAssertFalse(stdin.isClosing)
            stdin.write(Array("go\n".utf8) + [UInt8](repeating: 0x78, count: 4 << 20))
            try await waitFinished(proto)
            let lost = proto.events(of: 0)
            XCTAssertEqual(lost.count, 1)
            if case .pipeLost(0, let errno)? = lost.first {
                XCTAssertTrue(errno == EPIPE || errno == ECONNRESET, "\(lost)")
            } else {
                XCTFail("stdin not reported lost: \(proto.events)")
            }
            XCTAssertEqual(transport.returnCode, 0)
            // Writes after the loss are dropped quietly.
            stdin.write([1, 2, 3])
        }
    }

    // CPython: test_subprocess.SubprocessMixin.test_stdin_not_inheritable (asyncio issue
    // #209: our end of a child's stdin must not leak into later children).
    func testStdinNotInheritable() {
        runLoopTest { loop, _ in
            let (cat, catProto) = try await loop.subprocessExec(
                { RecordingSubprocessProtocol(loop: loop) }, "/bin/cat")
            let (sleeper, sleeperProto) = try await loop.subprocessExec(
                { RecordingSubprocessProtocol(loop: loop) }, "/bin/sleep", ["30"],
                stdin: .devNull, stdout: .devNull, stderr: .devNull)
            let stdin = try XCTUnwrap(cat.getPipeTransport(0) as? any WriteTransport)
            stdin.write(Array("abc".utf8))
            stdin.close()
            try await waitFinished(catProto)
            XCTAssertEqual(catProto.text(1), "abc")
            XCTAssertEqual(cat.returnCode, 0)
            try sleeper.kill()
            try await waitFinished(sleeperProto)
        }
    }

    // CPython: test_subprocess.SubprocessMixin.test_proc_exited and
    // test_subprocess_repr (pid, return code, extra info, description).
    func testPidExtraInfoAndDescription() {
        runLoopTest { loop, _ in
            let (transport, proto) = try await loop.subprocessExec(
                { RecordingSubprocessProtocol(loop: loop) }, "/bin/sleep", ["30"])
            XCTAssertEqual(transport.getExtraInfo("subprocess") as? Int32, transport.pid)
            XCTAssertNil(transport.getExtraInfo("peername"))
            XCTAssertTrue("\(transport)".contains("pid=\(transport.pid) running"), "\(transport)")
            XCTAssertTrue(transport.getProtocol() === proto)
            try transport.kill()
            try await waitFinished(proto)
            XCTAssertTrue("\(transport)".contains("returncode=-9"), "\(transport)")
            let concrete = try XCTUnwrap(transport as? ProcessTransport)
            let code = try await withTimeout(.seconds(10)) { try await concrete.wait() }
            XCTAssertEqual(code, -SIGKILL)
        }
    }

    func testMissingCurrentDirectoryIsNamed() {
        runLoopTest { loop, _ in
            do {
                _ = try await loop.subprocessExec(
                    { RecordingSubprocessProtocol(loop: loop) }, "/bin/true",
                    currentDirectory: "/nonexistent-asyncio-dir-\(getpid())")
                XCTFail("spawning in a missing directory succeeded")
            } catch let error as OSError {
                XCTAssertEqual(error.errno, ENOENT)
                XCTAssertTrue(error.message.contains("nonexistent-asyncio-dir"), error.message)
            }
        }
    }

    // CPython: test_subprocess.SubprocessMixin.test_cancel_make_subprocess_transport_exec
    // and test_cancel_post_init: cancelled while starting, the child is killed and nothing
    // stays open.
    func testCancelledStartKillsChild() {
        runLoopTest { loop, _ in
            let task = loop.createTask {
                _ = try await loop.subprocessExec({ () -> RecordingSubprocessProtocol in
                    RecordingSubprocessProtocol(loop: loop)
                }, "/bin/sleep", ["30"])
            }
            try await loop.sleep(.zero)  // the task runs up to its first suspension
            XCTAssertFalse(loop.liveHandleLabels().isEmpty, "the child was spawned before the first suspension")
            task.cancel()
            do {
                try await task.value
                XCTFail("cancelled start returned")
            } catch is CancellationError {}
            try await withTimeout(.seconds(10)) {
                while !loop.liveHandleLabels().isEmpty { try await loop.sleep(.milliseconds(5)) }
            }
        }
    }

    // A task cancelled before it starts the child spawns nothing.
    func testCancelledBeforeStartSpawnsNothing() {
        runLoopTest { loop, _ in
            let task = loop.createTask {
                _ = try await loop.subprocessExec({ RecordingSubprocessProtocol(loop: loop) }, "/bin/sleep", ["30"])
            }
            task.cancel()
            do {
                try await task.value
                XCTFail("cancelled start returned")
            } catch is CancellationError {}
            XCTAssertEqual(loop.liveHandleLabels(), [])
        }
    }

    // asyncio's BaseSubprocessTransport._pending_calls: what happens before connectionMade
    // went out is delivered after it, in order.
    func testEventsBeforeConnectionMadeAreDeliveredAfterIt() {
        runLoopTest { loop, _ in
            let process = try UVProcess(
                loop: loop.uv, file: "/bin/sleep", arguments: ["/bin/sleep", "30"], environment: nil,
                currentDirectory: nil, stdio: [.inherit(0), .inherit(1), .inherit(2)])
            let proto = RecordingSubprocessProtocol(loop: loop)
            let transport = ProcessTransport(loop: loop, process: process, pipes: [:], protocol: proto)
            transport.pipeDataReceived(fd: 1, data: Array("early".utf8))
            XCTAssertEqual(proto.events, [], "nothing reaches the protocol before connectionMade")
            try await withTimeout(.seconds(10)) { try await transport.waitConnected() }
            XCTAssertEqual(proto.events, [.made, .data(1)])
            XCTAssertEqual(proto.text(1), "early")
            try transport.kill()
            try await waitFinished(proto)
            XCTAssertEqual(proto.events, [.made, .data(1), .exited, .lost])
        }
    }
}
