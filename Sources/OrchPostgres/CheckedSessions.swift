import PostgresNIO
import Synchronization

/// The sessions of one pool that already have `client_connection_check_interval`
/// set (PostgreSQL 14+: the server notices within 250 ms that orch closed the
/// connection, even mid-statement, which is how a stopped task's statement
/// ends). Set once per session, in the first transaction it commits, rather
/// than in every transaction: a `sql` task's transaction is then one round
/// trip shorter (BEGIN, the statement, its transaction id, COMMIT). A session
/// is remembered once the setting is seen to outlive the COMMIT.
///
/// A later task's own SQL may reset it (`RESET ALL`, `DISCARD ALL`): that
/// session's statements then end on a stop only when they next send a row or
/// finish. So may a pooler in transaction mode (PgBouncer), which hands
/// orch's next transaction to another server session: the setting stays on
/// the session it was made in (where it is harmless), not with orch.
public final class CheckedSessions: Sendable {
    private let ids = Mutex<Set<PostgresConnection.ID>>([])

    /// Remembered sessions before the set starts over (a pool that churns
    /// through connections for months must not grow it for ever; forgetting
    /// only costs the next transaction of each session the setting again).
    static let limit = 4_096

    public init() {}

    public func contains(_ id: PostgresConnection.ID) -> Bool {
        ids.withLock { $0.contains(id) }
    }

    /// `id`'s session has committed the setting.
    public func insert(_ id: PostgresConnection.ID) {
        ids.withLock { ids in
            if ids.count >= Self.limit { ids.removeAll(keepingCapacity: true) }
            ids.insert(id)
        }
    }
}
