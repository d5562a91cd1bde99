import Testing
@testable import OrchPostgres

@Suite("SQL script splitting")
struct SQLScriptTests {
    @Test("splits on semicolons outside quotes, comments and dollar quotes", arguments: [
        ("select 1; select 2", ["select 1", "select 2"]),
        ("select ';'; select 2;", ["select ';'", "select 2"]),
        ("select \"a;b\" from t", ["select \"a;b\" from t"]),
        ("select 'it''s;'; x", ["select 'it''s;'", "x"]),
        ("select E'\\';'; y", ["select E'\\';'", "y"]),
        ("do $$ begin; end $$; z", ["do $$ begin; end $$", "z"]),
        ("do $f$ a; $$ b; $f$; z", ["do $f$ a; $$ b; $f$", "z"]),
        ("-- c; d\nselect 1", ["select 1"]),
        ("/* a; /* b; */ c; */ select 1; ", ["select 1"]),
        ("  ;; ;", []),
        ("-- only a comment", []),
        ("select $1, a$b; q", ["select $1, a$b", "q"]),
    ])
    func split(script: String, expected: [String]) {
        #expect(SQLScript.split(script).map(\.text) == expected)
    }

    @Test("statement start lines and error lines")
    func lines() {
        let script = "create table a (x int);\n\n-- note\ninsert into a\nvalues (1);\nselect\n  nope;"
        let statements = SQLScript.split(script)
        #expect(statements.map(\.line) == [1, 4, 6])
        // Position 10 of the third statement ("select\n  nope") is on its second line.
        #expect(SQLScript.line(of: 10, in: statements[2], script: script) == 7)
    }
}

@Suite("Database URLs")
struct DatabaseURLTests {
    @Test("TCP and socket forms")
    func parse() throws {
        let tcp = try DatabaseURL(parsing: "postgres://orch:s3cret@db.internal:6543/meta?sslmode=require")
        #expect(tcp.user == "orch")
        #expect(tcp.password == "s3cret")
        #expect(tcp.host == "db.internal")
        #expect(tcp.port == 6543)
        #expect(tcp.database == "meta")
        #expect(tcp.requireTLS)
        #expect(!tcp.description.contains("s3cret"), "passwords never printed")
        let socket = try DatabaseURL(parsing: "postgresql:///orch?host=/tmp/pg&user=me&port=5433")
        #expect(socket.isUnixSocket)
        #expect(socket.host == "/tmp/pg")
        #expect(socket.user == "me")
        #expect(socket.port == 5433)
        #expect(try DatabaseURL(parsing: socket.url(includePassword: true)) == socket)
        #expect(throws: PostgresSetupError.self) { try DatabaseURL(parsing: "mysql://x") }
    }
}
