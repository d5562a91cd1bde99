import Foundation
import PropertyBased
import Testing
import OrchExecution
import OrchRuntime

/// `run_results.json` is written a task at a time (so 10,000 tasks never
/// build the encoder's whole tree); the bytes must be the encoder's own.
@Suite("run_results.json encoded a task at a time")
struct RunResultsEncodingTests {
    static func detail(tasks: Int) -> StoredRunDetail {
        let t0 = Date(timeIntervalSince1970: 1_800_000_000.123)
        let run = StoredRun(id: "20261207T000000Z-abcdef", pipeline: "p", pipelineFile: "/p/p.yml", trigger: "schedule:nightly",
                            logicalTime: t0, params: ["day": "2026-12-07", "path": "/a/b", "quote": "say \"hi\"\n\u{1}é"],
                            specHash: "h", status: .failed, message: "1 failed", host: "h", pid: 7, runDirectory: "/runs/p/x",
                            startedAt: t0, finishedAt: t0.addingTimeInterval(3), taskCounts: [.succeeded: tasks - 1, .failed: 1])
        let list = (0..<tasks).map { i in
            StoredTaskRun(taskID: "t\(i)", position: i, state: i == 0 ? .failed : .succeeded, message: i == 0 ? "exited 3 <b>" : nil,
                          attemptCount: i == 0 ? 2 : 1, startedAt: t0, finishedAt: t0.addingTimeInterval(1),
                          attempts: (1...(i == 0 ? 2 : 1)).map { a in
                              StoredAttempt(attempt: a, status: i == 0 ? .failed : .succeeded, startedAt: t0, finishedAt: t0.addingTimeInterval(0.5),
                                            durationMs: 500, errorClass: i == 0 ? .exitCode : nil, error: i == 0 ? "exited 3" : nil,
                                            exitCode: i == 0 ? 3 : nil, logPath: "/runs/p/x/t\(i)/attempt-\(a).log", logTail: "tail\n",
                                            processGroup: nil, processStamp: nil)
                          })
        }
        return StoredRunDetail(run: run, tasks: tasks == 0 ? [] : list)
    }

    @Test("the same bytes as encoding the whole document, with tasks, with one, with none", arguments: [0, 1, 3, 50])
    func sameBytes(tasks: Int) throws {
        let results = RunResultsJSON(Self.detail(tasks: tasks), generatedAt: Date(timeIntervalSince1970: 1_800_000_100.5))
        let streamed = try results.encoded()
        #expect(String(decoding: streamed, as: UTF8.self) == (try JSONOutput.render(results)))
        #expect((try? JSONSerialization.jsonObject(with: streamed)) != nil)
    }

    @Test("any text in ids, messages, errors and paths, any nulls: still the encoder's very bytes")
    func anyText() async {
        let text = OpenLineageEncodingTests.awkward
        await propertyCheck(count: 200, input: text, text, text, Gen.int(in: 0...3)) { id, message, path, shape in
            var detail = Self.detail(tasks: 2)
            detail.tasks[0].taskID = id
            detail.tasks[0].message = shape == 0 ? nil : message
            detail.tasks[1].attempts[0].error = shape == 1 ? nil : message + path
            detail.tasks[1].attempts[0].logPath = path
            detail.tasks[1].attempts[0].finishedAt = shape == 2 ? nil : detail.tasks[1].attempts[0].finishedAt
            detail.tasks[1].attempts[0].exitCode = shape == 3 ? nil : -shape
            if shape == 3 { detail.tasks[1].attempts = [] }
            let results = RunResultsJSON(detail, generatedAt: Date(timeIntervalSince1970: 1_800_000_100.5))
            // Bytes, not Strings (which compare equal under Unicode canonical equivalence).
            let streamed = try results.encoded(), whole = Data(try JSONOutput.render(results).utf8)
            #expect(streamed == whole)
        }
    }
}
