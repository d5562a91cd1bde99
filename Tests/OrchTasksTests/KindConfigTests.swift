import Testing
import OrchExecution
@testable import OrchTasks

/// Kinds read their fields into a config with no warehouse (what `orch
/// validate` does); only bodies built with a warehouse touch one.
@Suite("kind configs without a warehouse")
struct KindConfigTests {
    @Test("warehouse kinds validate without a warehouse and get the one placeholder body", arguments: [
        "kind: sql\nsql: SELECT 1",
        "kind: csv_extract\nfile: a.csv\ntable: raw.a",
        "kind: train_segments\nquery: SELECT 1\ntable: analytics.s",
        "kind: http_poll\nurl: http://localhost/x\ntable: raw.x\ncolumns:\n  v: { path: $.v, type: text }",
    ])
    func placeholder(yaml: String) throws {
        let body = try makeBody(yaml)
        #expect(body is NoWarehouseBody)
    }

    @Test("a command needs no warehouse: its config is its body")
    func command() throws {
        #expect(try makeBody("kind: command\ncommand: [true]") is CommandTask)
    }

    @Test("a bad field is reported while reading the config, before any warehouse")
    func badField() {
        #expect(throws: (any Error).self) { try makeBody("kind: train_segments\nquery: SELECT 1\ntable: a.b.c") }
    }
}
