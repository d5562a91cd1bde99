import OrchPostgres

extension PostgresPoolOwner {
    /// The pipelines' warehouse on this pool's server (the default: the same database as orch's store).
    public var warehouse: Warehouse { Warehouse(client: pool, readOnly: readOnlyPool, sessions: checkedSessions, logger: poolLogger) }
}
