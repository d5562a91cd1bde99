import OrchExecution

/// Run statuses as SQL literals, generated from `RunStatus` and
/// `RunStatusTransition` so that no `WHERE status …` repeats a list by hand.
/// Literals rather than bound parameters: the partial indexes
/// (`WHERE status = 'running'`) serve a query only when the planner sees the value.
extension RunStatus {
    /// `'running'`
    var sql: String { "'\(rawValue)'" }

    /// `('failed', 'cancelled', 'crashed')`
    static func sqlList(_ statuses: [RunStatus]) -> String {
        "(" + statuses.map(\.sql).joined(separator: ", ") + ")"
    }
}
