import Logging
import PostgresNIO
import OrchPostgres

/// The store lends its pool (the warehouse lives on the same server by
/// default), without this module knowing the warehouse.
extension Store: PostgresPoolOwner {
    public var pool: PostgresClient { client }
    public var poolLogger: Logger { logger }
    public var readOnlyPool: ReadOnlyPool? { readOnly }
    public var checkedSessions: CheckedSessions { sessions }
}
