import Foundation
import OrchSpec

extension RunEvent {
    /// The event as every sink can hold it: secrets masked, and each NUL
    /// character (which PostgreSQL text cannot hold: a command that printed
    /// one left its attempt unrecorded) replaced by U+FFFD.
    public func storable(masking secrets: SecretMask) -> RunEvent {
        mappingText { Self.withoutNUL(secrets.apply($0)) }
    }

    static func withoutNUL(_ text: String) -> String {
        text.utf8.contains(0) ? text.replacingOccurrences(of: "\u{0}", with: "\u{FFFD}") : text
    }

    /// The same event with `transform` applied to its free text (what a task, a
    /// server or a person wrote: messages, errors, log tails, facts, params).
    func mappingText(_ transform: (String) -> String) -> RunEvent {
        switch self {
        case var .runStarted(info):
            info.params = info.params.mapValues(transform)
            return .runStarted(info)
        case let .taskStateChanged(task, state, at, message):
            return .taskStateChanged(task: task, state: state, at: at, message: message.map(transform))
        case .attemptStarted, .attemptProcessStarted, .retryScheduled:
            return self
        case var .attemptFinished(record):
            record.error = record.error.map(transform)
            record.logTail = transform(record.logTail)
            record.output = record.output?.mappingText(transform)
            return .attemptFinished(record)
        case let .runFinished(status, at, message):
            return .runFinished(status: status, at: at, message: message.map(transform))
        }
    }
}

extension TaskOutput {
    func mappingText(_ transform: (String) -> String) -> TaskOutput {
        var out = self
        out.summary = summary.map(transform)
        out.facts = facts.mapValues(transform)
        out.lineage = lineage.map { LineageEdge(source: transform($0.source), target: transform($0.target)) }
        if var test = testResult {
            test.sampleRows = transform(test.sampleRows)
            test.sql = transform(test.sql)
            test.message = test.message.map(transform)
            out.testResult = test
        }
        return out
    }
}
