import Foundation

/// The layout of one run's folder, `<home>/<pipeline>/<run-id>`, in one
/// place: everything that writes or reads a run's files asks it for paths.
/// The folder is readable with `less` when the database is the thing that is down.
///
///     <run>/report.md                      what failed and how to resume
///     <run>/run_results.json               the run, its tasks and attempts as recorded at its end (JSON)
///     <run>/database-outage.txt            why the run stopped, when the database went away
///     <run>/openlineage.jsonl              the run's OpenLineage events
///     <run>/alerts.log                     whether the on_failure alert went out
///     <run>/<task>/attempt-<n>.log         each attempt's log
///     <run>/<task>/compiled.sql            a model's compiled SQL
///     <run>/<task>/attempt-<n>-rejected.csv  rows a CSV extract rejected
public struct RunDirectory: Sendable, Hashable, CustomStringConvertible {
    public var path: String

    public init(_ path: String) { self.path = path }

    /// `<home>/<pipeline>/<run-id>`.
    public init(home: String, pipeline: String, runID: String) {
        self.path = "\(home)/\(pipeline)/\(runID)"
    }

    public var description: String { path }

    public var report: String { "\(path)/report.md" }
    public var runResults: String { "\(path)/run_results.json" }
    public var databaseOutage: String { "\(path)/database-outage.txt" }
    public var openLineage: String { "\(path)/openlineage.jsonl" }
    public var alerts: String { "\(path)/alerts.log" }

    /// The folder of one task's files (its attempts' logs, its compiled SQL, its rejected rows).
    public func taskDirectory(_ task: String) -> String { (path as NSString).appendingPathComponent(task) }

    public func attemptLog(task: String, attempt: Int) -> String {
        (taskDirectory(task) as NSString).appendingPathComponent("attempt-\(attempt).log")
    }

    public func compiledSQL(task: String) -> String { "\(taskDirectory(task))/compiled.sql" }

    public func rejectedRows(task: String, attempt: Int) -> String { "\(taskDirectory(task))/attempt-\(attempt)-rejected.csv" }

    /// Creates the folder, its owner's only (0700, and its pipeline folder too):
    /// logs, rejected rows and compiled SQL are the warehouse's data.
    public func create() throws {
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        chmod((path as NSString).deletingLastPathComponent, 0o700)
        chmod(path, 0o700)
    }

    /// Whether `path` is a run folder under `home`: `home/<pipeline>/<run id>`,
    /// symlinks resolved, a real directory, named like a run id. A stored
    /// folder is data, not an instruction: only such a folder is ever deleted.
    public static func isRunFolder(_ path: String, home: String) -> Bool {
        let resolvedHome = URL(fileURLWithPath: home).standardizedFileURL.resolvingSymlinksInPath().path
        let folder = URL(fileURLWithPath: path).standardizedFileURL
        let pipelineFolder = folder.deletingLastPathComponent().resolvingSymlinksInPath()
        var isDirectory: ObjCBool = false
        guard pipelineFolder.deletingLastPathComponent().path == resolvedHome,
              (try? FileManager.default.destinationOfSymbolicLink(atPath: folder.path)) == nil,
              FileManager.default.fileExists(atPath: folder.path, isDirectory: &isDirectory), isDirectory.boolValue else { return false }
        return RunInfo.isRunID(folder.lastPathComponent)
    }
}

extension RunInfo {
    /// The run's folder.
    public var folder: RunDirectory { RunDirectory(directory) }
}
