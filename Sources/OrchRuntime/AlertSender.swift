import Foundation
import OrchExecution
import OrchPostgres
import OrchProcess
import OrchSpec

/// Sends `on_failure` alerts after a run did not succeed: a webhook POST of
/// a JSON summary (with a `text` field a chat tool can show) and/or a
/// command (with the summary in ORCH_ALERT_TEXT and ORCH_ALERT_JSON).
/// Retried, time-limited; a failing alert is logged (stderr and the run's
/// `alerts.log`), never fatal. The run is recorded before this runs.
enum AlertSender {
    static func send(_ alert: AlertSpec, report: RunReport, secrets: SecretMask, render: (String) throws -> String) async {
        let text = summaryText(report)
        let failed = report.failedTasks.map { ["task": $0.task, "error": $0.message ?? "", "error_class": $0.errorClass?.rawValue ?? ""] }
        let payload: [String: Any] = [
            "event": "run_\(report.run.status.rawValue)", "pipeline": report.run.pipeline, "run_id": report.run.id, "status": report.run.status.rawValue,
            "trigger": report.run.trigger, "logical_time": report.run.logicalTime.ISO8601Format(), "failed_tasks": failed,
            "failed_tests": report.failedTests.map(\.test), "blocked": report.blocked.count + report.blockedTests.count,
            "report": RunDirectory(report.run.runDirectory ?? "").report, "resume": report.resumeCommand.map { $0 as Any } ?? NSNull(), "text": text,
        ]
        let json = (try? JSONSerialization.data(withJSONObject: payload, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data()
        var problems: [String] = []
        if let hook = alert.webhook {
            do {
                let url = try render(hook)
                if let problem = await HTTPPost.json(json, to: url, attempts: alert.retries + 1, timeout: alert.timeout) {
                    problems.append("webhook: \(problem)")
                }
            } catch {
                problems.append("webhook: \(error)")
            }
        }
        if let line = alert.command {
            do {
                let command = try render(line)
                if let problem = await run(command, text: text, json: String(decoding: json, as: UTF8.self), report: report,
                                           attempts: alert.retries + 1, timeout: alert.timeout) {
                    problems.append("command: \(problem)")
                }
            } catch {
                problems.append("command: \(error)")
            }
        }
        // A webhook URL is itself a secret (Slack's are): the problems may quote it.
        let log = secrets.apply(problems.isEmpty ? "alert sent for run \(report.run.id)" : "alert for run \(report.run.id) failed: " + problems.joined(separator: "; "))
        if !problems.isEmpty { FileHandle.standardError.write(Data("orch: \(log)\n".utf8)) }
        if let dir = report.run.runDirectory {
            try? "\(Date().ISO8601Format()) \(log)\n".write(toFile: RunDirectory(dir).alerts, atomically: true, encoding: .utf8)
        }
    }

    static func summaryText(_ report: RunReport) -> String {
        var parts = ["orch: pipeline \(report.run.pipeline), run \(report.run.id) \(report.run.status.rawValue)"]
        if !report.failedTasks.isEmpty {
            parts.append("\(report.failedTasks.count) task(s) failed: " + report.failedTasks.prefix(5).map { t in
                t.task + (t.errorClass.map { " (\($0))" } ?? "")
            }.joined(separator: ", "))
        }
        let blocked = report.blocked.count + report.blockedTests.count
        if blocked > 0 { parts.append("\(blocked) not run") }
        if let resume = report.resumeCommand { parts.append("resume: \(resume)") }
        return parts.joined(separator: " — ")
    }

    /// Runs the command with a time limit; nil when it exited 0.
    static func run(_ command: String, text: String, json: String, report: RunReport, attempts: Int, timeout: Duration) async -> String? {
        struct Failed: Error { var text: String }
        var child = ChildProcess("/bin/sh", ["-c", command])
        child.environment = ["ORCH_ALERT_TEXT": text, "ORCH_ALERT_JSON": json, "ORCH_RUN_ID": report.run.id,
                             "ORCH_PIPELINE": report.run.pipeline, "ORCH_RUN_STATUS": report.run.status.rawValue]
        // Its own process group, stopped as a whole when the limit passes.
        child.killGrace = .seconds(1)
        let process = child
        do {
            try await RetryLoop(firstDelay: .milliseconds(500), maxDelay: .milliseconds(500), factor: 1, attempts: attempts).run {
                let result: ChildProcess.Result
                do {
                    result = try await abandonable(limit: timeout) { try await process.runCapturingOutput(limit: 4096) }
                } catch is DeadlineExceeded {
                    throw Failed(text: "timed out after \(DurationText.format(timeout))")
                } catch {
                    throw Failed(text: "\(error)")
                }
                guard result.status.succeeded else {
                    throw Failed(text: "\(result.status) \(result.output)".trimmingCharacters(in: .whitespacesAndNewlines))
                }
            }
            return nil
        } catch {
            return (error as? Failed)?.text ?? "\(error)"
        }
    }
}
