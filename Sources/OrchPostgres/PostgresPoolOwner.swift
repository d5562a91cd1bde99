import Logging
import PostgresNIO

/// Something that runs a connection pool (orch's store) and lends it to
/// other modules, so that a warehouse on the same server needs no pool of
/// its own and its module need not know the owner.
public protocol PostgresPoolOwner: Sendable {
    var pool: PostgresClient { get }
    var poolLogger: Logger { get }
    /// Read-only sessions on the same server, for `read_only` scripts of one statement (`ReadOnlyPool`).
    var readOnlyPool: ReadOnlyPool? { get }
    /// The pool's sessions that already check for a vanished client.
    var checkedSessions: CheckedSessions { get }
}
