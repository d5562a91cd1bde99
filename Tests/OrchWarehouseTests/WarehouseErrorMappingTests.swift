import Testing
import OrchExecution
import OrchPostgres
@testable import OrchWarehouse

@Suite("warehouse errors as task failures (the one mapping)")
struct WarehouseErrorMappingTests {
    static func error(_ state: SQLState?, connection: Bool = false) -> WarehouseError {
        var error = WarehouseError(message: "boom", connectionProblem: connection)
        error.failure.sqlState = state
        return error
    }

    @Test("a lost connection is retryable and classed `connection`")
    func connection() {
        let failure = Self.error(nil, connection: true).taskFailure(doing: "loading raw.x")
        #expect(failure.errorClass == .connection)
        #expect(failure.retryable)
        #expect(failure.message == "loading raw.x: boom")
    }

    @Test("serialization failures and deadlocks are retried, whatever the kind", arguments: [SQLState.serializationFailure, .deadlockDetected])
    func conflicts(state: SQLState) {
        #expect(Self.error(state).taskFailure(doing: nil).retryable)
        let test = Self.error(state).taskFailure(doing: "test t could not run", statementClass: .testError)
        #expect(test.retryable)
        #expect(test.errorClass == .testError)
    }

    @Test("any other statement error is the SQL's fault: not retried", arguments: [SQLState.undefinedTable, .invalidTableDefinition, SQLState(rawValue: "22P02")])
    func statement(state: SQLState) {
        let failure = Self.error(state).taskFailure(doing: nil)
        #expect(failure.errorClass == .sqlError)
        #expect(!failure.retryable)
        #expect(failure.message == "boom (SQLSTATE \(state.rawValue))")
    }

    @Test("the executor's generic path gives the same failure")
    func convertible() {
        let error: any Error = Self.error(.deadlockDetected)
        let failure = (error as? any TaskFailureConvertible)?.taskFailure(doing: nil)
        #expect(failure == Self.error(.deadlockDetected).taskFailure(doing: nil))
    }
}
