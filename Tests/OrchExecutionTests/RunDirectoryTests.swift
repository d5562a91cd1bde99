import Foundation
import Testing
import OrchExecution

@Suite("RunDirectory: the run folder's layout")
struct RunDirectoryTests {
    @Test("every file of a run has its one path")
    func layout() {
        let run = RunDirectory(home: "/h", pipeline: "p", runID: "20261202-010203-abcdef")
        #expect(run.path == "/h/p/20261202-010203-abcdef")
        #expect(run.report == "/h/p/20261202-010203-abcdef/report.md")
        #expect(run.databaseOutage == "/h/p/20261202-010203-abcdef/database-outage.txt")
        #expect(run.openLineage == "/h/p/20261202-010203-abcdef/openlineage.jsonl")
        #expect(run.attemptLog(task: "load", attempt: 2) == "/h/p/20261202-010203-abcdef/load/attempt-2.log")
        #expect(run.compiledSQL(task: "m") == "/h/p/20261202-010203-abcdef/m/compiled.sql")
        #expect(run.rejectedRows(task: "x", attempt: 1) == "/h/p/20261202-010203-abcdef/x/attempt-1-rejected.csv")
    }

    @Test("the folder is created for its owner only, and only real run folders under home count as run folders")
    func createAndRecognise() throws {
        let home = FileManager.default.temporaryDirectory.appendingPathComponent("orch-rd-\(UUID().uuidString.prefix(8))").path
        let run = RunDirectory(home: home, pipeline: "p", runID: "20261202-010203-abcdef")
        try run.create()
        let mode = try FileManager.default.attributesOfItem(atPath: run.path)[.posixPermissions] as? Int
        let parent = try FileManager.default.attributesOfItem(atPath: "\(home)/p")[.posixPermissions] as? Int
        #expect(mode == 0o700 && parent == 0o700)
        #expect(RunDirectory.isRunFolder(run.path, home: home))
        #expect(!RunDirectory.isRunFolder(run.path, home: "/elsewhere"))
        #expect(!RunDirectory.isRunFolder("\(home)/p", home: home))
        #expect(!RunDirectory.isRunFolder("\(home)/p/not-a-run-id", home: home))
        let new = RunDirectory(home: home, pipeline: "p", runID: RunInfo.makeID())
        try new.create()
        #expect(RunDirectory.isRunFolder(new.path, home: home), "a new id (20261202T010203Z-abcdef) is a run folder too")
        try FileManager.default.removeItem(atPath: home)
    }

    @Test("run ids say they are UTC (20261202T010203Z-abcdef) and sort by time; the old form is still a run id")
    func runIDs() {
        let id = RunInfo.makeID(at: Date(timeIntervalSince1970: 1_796_173_323))  // 2026-12-02T01:02:03Z
        #expect(id.hasPrefix("20261202T010203Z-") && id.count == 23, "\(id)")
        #expect(RunInfo.isRunID(id) && RunInfo.isRunID("20261202-010203-abcdef"))
        #expect(!RunInfo.isRunID("20261202T010203-abcdef") && !RunInfo.isRunID("x20261202T010203Z-abcdef"))
        #expect(RunInfo.makeID(at: Date(timeIntervalSince1970: 1_796_173_324)) > id)
    }
}
