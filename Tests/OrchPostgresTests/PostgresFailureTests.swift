import Testing
@testable import OrchPostgres

@Suite("typed Postgres failures")
struct PostgresFailureTests {
    @Test("SQLSTATE categories", arguments: [
        ("08006", SQLState.Category.connection), ("08001", .connection), ("57P01", .connection), ("57P03", .connection),
        ("40001", .transactionConflict), ("40P01", .transactionConflict),
        ("42P16", .statement), ("42P01", .statement), ("23505", .statement),
    ])
    func categories(code: String, category: SQLState.Category) {
        #expect(SQLState(rawValue: code).category == category)
    }

    @Test("a bounded call that got no answer counts as a lost connection")
    func deadline() {
        #expect(PostgresFailure.isConnectionProblem(DeadlineExceeded(limit: .seconds(1))))
        #expect(PostgresFailure.describe(DeadlineExceeded(limit: .seconds(1))).contains("did not answer"))
        #expect(!PostgresFailure.isConnectionProblem(PostgresSetupError("x")))
    }

    @Test("an error that knows its own class is asked, not guessed")
    func aware() {
        #expect(PostgresFailure.isConnectionProblem(PostgresFailure.connectionClosed))
        #expect(PostgresFailure(PostgresFailure.connectionClosed) == .connectionClosed)
        #expect(PostgresFailure(PostgresSetupError("no")).message == "no")
    }
}
