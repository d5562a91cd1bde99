import Foundation
import Testing
import OrchExecution

@Suite("Typed run state: error classes, stored text, the run-status transition table")
struct TypedStateTests {
    @Test("every error class reads back from the text it writes", arguments: ErrorClass.named + [.http(status: 503), .other("made_up")])
    func errorClassRoundTrip(_ errorClass: ErrorClass) throws {
        #expect(ErrorClass(rawValue: errorClass.rawValue) == errorClass)
        let json = try JSONEncoder().encode([errorClass])
        #expect(String(decoding: json, as: UTF8.self) == "[\"\(errorClass.rawValue)\"]", "JSON is the bare text")
        #expect(try JSONDecoder().decode([ErrorClass].self, from: json) == [errorClass])
        #expect("\(errorClass)" == errorClass.rawValue)
    }

    @Test("stored error-class text reads back typed; unknown text is kept, never refused")
    func errorClassText() {
        #expect(ErrorClass(rawValue: "sql_error") == .sqlError)
        #expect(ErrorClass(rawValue: "internal") == .internalError)
        #expect(ErrorClass(rawValue: "http_404") == .http(status: 404))
        #expect(ErrorClass(rawValue: "http_x") == .other("http_x"))
        #expect(ErrorClass(rawValue: "http_007") == .other("http_007"), "only the text it would write itself is an HTTP status")
        #expect(ErrorClass(rawValue: "exit_code") == .exitCode)
        #expect(TaskFailure(.timeout, "m", retryable: false).errorClass == .timeout)
    }

    @Test("stored state text reads back typed; a state this build does not know loads as failed")
    func storedText() {
        #expect(TaskState(storedText: "upstream_failed") == .upstreamFailed)
        #expect(AttemptStatus(storedText: "timed_out") == .timedOut)
        #expect(RunStatus(storedText: "crashed") == .crashed)
        #expect(RunStatus(storedText: "paused") == .failed)
        #expect(TaskState(storedText: "") == .failed)
        #expect("\(TaskState.upstreamFailed)" == "upstream_failed" && "\(AttemptStatus.timedOut)" == "timed_out")
    }

    @Test("the transition table: who moves a run from which status to which")
    func transitions() {
        #expect(RunStatusTransition.between(.running, .succeeded) == .finish)
        #expect(RunStatusTransition.between(.running, .failed) == .finish)
        #expect(RunStatusTransition.between(.running, .cancelled) == .finish)
        #expect(RunStatusTransition.between(.running, .crashed) == .crash)
        for stopped in [RunStatus.failed, .cancelled, .crashed] {
            #expect(RunStatusTransition.between(stopped, .running) == .reopen)
        }
        #expect(RunStatusTransition.between(.succeeded, .running) == nil, "a success is never reopened")
        #expect(RunStatusTransition.between(.crashed, .failed) == nil)
        #expect(RunStatusTransition.between(.running, .running) == nil)
        #expect(RunStatus.unsuccessful == [.failed, .cancelled, .crashed])
        #expect(Set(RunStatus.prunable(keepFailed: false)) == [.succeeded, .failed, .cancelled, .crashed])
        #expect(Set(RunStatus.prunable(keepFailed: true)) == [.succeeded, .cancelled])
        #expect(!RunStatus.running.isFinal && RunStatus.allCases.filter(\.isFinal).count == 4)
    }
}

@Suite("a stored test result is the test's result plus where and when")
struct StoredTestResultTests {
    @Test("its JSON is one flat object with the result's fields and the run's, as before; it reads back equal")
    func flatJSON() throws {
        let result = TestResult(test: "not_null_x_id", testType: "not_null", model: "x", column: "id", severity: .warn, status: .fail,
                                failingRows: 3, sampleRows: "[]", sql: "SELECT 1", message: nil)
        let stored = StoredTestResult(runID: "r", taskID: "t", result: result, recordedAt: Date(timeIntervalSince1970: 0))
        let data = try JSONEncoder().encode(stored)
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(Set(object.keys) == ["runID", "taskID", "recordedAt", "test", "testType", "model", "column", "severity", "status",
                                     "failingRows", "sampleRows", "sql"])
        #expect(object["status"] as? String == "fail" && object["severity"] as? String == "warn")
        #expect(try JSONDecoder().decode(StoredTestResult.self, from: data) == stored)
        #expect(stored.status == .fail && stored.model == "x", "fields read as the result's own")
        #expect(TestResult.Status(storedText: "odd") == .error && TestResult.Severity(storedText: "odd") == .error)
    }
}
