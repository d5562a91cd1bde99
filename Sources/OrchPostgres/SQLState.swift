/// A PostgreSQL error code (SQLSTATE), typed so that callers compare named
/// codes and classes instead of text (no string literal converts to one, so
/// a comparison with text does not compile). Unknown codes are kept as they
/// came: new codes never break a caller.
public struct SQLState: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public var rawValue: String

    public init(rawValue: String) { self.rawValue = rawValue }

    public var description: String { rawValue }

    /// A write in a read-only transaction.
    public static let readOnlySQLTransaction = SQLState(rawValue: "25006")
    public static let uniqueViolation = SQLState(rawValue: "23505")
    public static let serializationFailure = SQLState(rawValue: "40001")
    public static let deadlockDetected = SQLState(rawValue: "40P01")
    public static let undefinedTable = SQLState(rawValue: "42P01")
    public static let duplicateSchema = SQLState(rawValue: "42P06")
    /// `CREATE OR REPLACE VIEW` asked to drop, rename or retype a column ("cannot change name of view column").
    public static let invalidTableDefinition = SQLState(rawValue: "42P16")
    public static let adminShutdown = SQLState(rawValue: "57P01")
    public static let crashShutdown = SQLState(rawValue: "57P02")
    public static let cannotConnectNow = SQLState(rawValue: "57P03")

    /// The classes of error orch treats differently.
    public enum Category: Sendable, Hashable {
        /// Class 08 or the server going away: the connection failed, not the statement.
        case connection
        /// A serialization failure or a deadlock: the same work may succeed when run again.
        case transactionConflict
        /// Anything else: the statement's own fault.
        case statement
    }

    public var category: Category {
        if rawValue.hasPrefix("08") || [.adminShutdown, .crashShutdown, .cannotConnectNow].contains(self) { return .connection }
        if self == .serializationFailure || self == .deadlockDetected { return .transactionConflict }
        return .statement
    }
}
