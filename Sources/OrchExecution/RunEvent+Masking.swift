import OrchSpec

extension RunEvent {
    /// The same event with every secret value in its text replaced by `***`.
    public func masked(by secrets: SecretMask) -> RunEvent {
        switch self {
        case var .runStarted(info):
            info.params = info.params.mapValues { secrets.apply($0) }
            return .runStarted(info)
        case let .taskStateChanged(task, state, at, message):
            return .taskStateChanged(task: task, state: state, at: at, message: secrets.apply(message))
        case .attemptStarted, .attemptProcessStarted, .retryScheduled:
            return self
        case var .attemptFinished(record):
            record.error = secrets.apply(record.error)
            record.logTail = secrets.apply(record.logTail)
            record.output = record.output?.masked(by: secrets)
            return .attemptFinished(record)
        case let .runFinished(status, at, message):
            return .runFinished(status: status, at: at, message: secrets.apply(message))
        }
    }
}

extension TaskOutput {
    public func masked(by secrets: SecretMask) -> TaskOutput {
        var out = self
        out.summary = secrets.apply(summary)
        out.facts = facts.mapValues { secrets.apply($0) }
        out.lineage = lineage.map { LineageEdge(source: secrets.apply($0.source), target: secrets.apply($0.target)) }
        if var test = testResult {
            test.sampleRows = secrets.apply(test.sampleRows)
            test.sql = secrets.apply(test.sql)
            test.message = secrets.apply(test.message)
            out.testResult = test
        }
        return out
    }
}
