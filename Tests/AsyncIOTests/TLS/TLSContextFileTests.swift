@testable import AsyncIO
import Glibc
import XCTest

/// The `SSLContext` calls that take a path report a file they cannot read as the OS error
/// it is (Python's FileNotFoundError / IsADirectoryError, with the path), and a file they
/// can read but not parse as `SSLError`.
///
/// The tests run as root, for whom permission bits do not stop a read, so "unreadable" is
/// a directory (EISDIR: open(2) succeeds, reading fails).
final class TLSContextFileTests: XCTestCase {
    private var directory = ""
    private var missing: String { "\(directory)/missing.pem" }
    private var garbage: String { "\(directory)/garbage.pem" }

    override func setUpWithError() throws {
        var template = Array("/tmp/asyncio-tls-XXXXXX".utf8CString)
        let made = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
        directory = try XCTUnwrap(made.map { String(cString: $0) })
        let file = try XCTUnwrap(fopen(garbage, "wb"))
        fputs("not a certificate\n", file)
        fclose(file)
    }

    override func tearDown() {
        unlink(garbage)
        rmdir(directory)
    }

    // CPython: test_ssl.ContextTests.test_load_cert_chain (NONEXISTINGCERT: OSError, errno ENOENT)
    func testLoadCertChainReportsAnUnreadableCertificateFileAsOSError() {
        assertFileErrors { try SSLContext(.server).loadCertChain(certFile: $0) }
    }

    // CPython: test_ssl.ContextTests.test_load_cert_chain (a missing key file: OSError ENOENT)
    func testLoadCertChainReportsAnUnreadableKeyFileAsOSError() {
        let certFile = TLSFixtures.path("server.pem")
        assertFileErrors { try SSLContext(.server).loadCertChain(certFile: certFile, keyFile: $0) }
    }

    // CPython: test_ssl.ContextTests.test_load_verify_locations (NONEXISTINGCERT: OSError ENOENT)
    func testLoadVerifyLocationsReportsAnUnreadableCAFileAsOSError() {
        assertFileErrors { try SSLContext(.client).loadVerifyLocations(caFile: $0) }
    }

    /// `load` given a missing file and a directory throws `OSError` with the errno and
    /// Python's text; given a file with garbage in it, `SSLError`.
    private func assertFileErrors(
        file: StaticString = #filePath, line: UInt = #line, _ load: (String) throws -> Void
    ) {
        let cases: [(path: String, errno: Int32, text: String)] = [
            (missing, ENOENT, "[Errno 2] No such file or directory: '\(missing)'"),
            (directory, EISDIR, "[Errno 21] Is a directory: '\(directory)'"),
        ]
        for (path, errno, text) in cases {
            XCTAssertThrowsError(try load(path), file: file, line: line) { error in
                guard let error = error as? OSError else {
                    return XCTFail("\(path): expected OSError, got \(type(of: error)): \(error)", file: file, line: line)
                }
                XCTAssertEqual(error.errno, errno, file: file, line: line)
                XCTAssertEqual("\(error)", text, file: file, line: line)
            }
        }
        // The file was read; its content is not what OpenSSL expects.
        XCTAssertThrowsError(try load(garbage), file: file, line: line) { error in
            XCTAssertTrue(error is SSLError, "expected SSLError, got \(type(of: error)): \(error)", file: file, line: line)
        }
    }
}
