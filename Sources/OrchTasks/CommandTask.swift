import Foundation
import OrchExecution
import OrchSpec
import OrchProcess

/// `kind: command`: runs a program (`command: [argv…]`) or a shell line
/// (`command: "…"`, through `/bin/sh -c`). Its stdout and stderr go into the
/// attempt log as they are written (through a pipe orch reads until the
/// command exits: what a process it leaves in the background writes later
/// is dropped, so that process should write to a file of its own). On timeout or cancellation its whole
/// process group gets SIGTERM, then SIGKILL.
///
/// Fields: `command`, `env` (map), `working_dir` (default: the pipeline's
/// folder), `retry_exit_codes` (default: every non-zero code is retryable),
/// `kill_grace` (time between SIGTERM and SIGKILL, default 5s).
public struct CommandTask: SingleTaskKind, TaskBody {
    public static let name = "command"

    var executable: String
    var arguments: [String]
    var environment: [String: String]
    var workingDirectory: String
    var retryExitCodes: Set<Int32>?
    var killGrace: Duration

    public static func config(_ task: TaskSpec, options: inout MappingReader, environment: KindEnvironment) -> CommandTask? {
        let argv: [String]
        guard let raw = options.raw("command") else {
            options.report("task `\(task.id)` (kind command) is missing `command`", at: task.location,
                           hint: "give a shell line (`command: \"make all\"`) or a list (`command: [make, all]`)")
            return nil
        }
        switch raw.kind {
        case let .scalar(line, _): argv = ["/bin/sh", "-c", line]
        case let .list(items):
            argv = items.compactMap { $0.scalar }
            if argv.count != items.count || argv.isEmpty {
                options.report("`command` as a list must hold text items, the program first", at: raw.location)
                return nil
            }
        default:
            options.report("`command` must be a shell line or a list of arguments", at: raw.location)
            return nil
        }
        let env = Dictionary(options.stringMap("env") ?? [], uniquingKeysWith: { $1 })
        let dir = environment.resolve(options.string("working_dir") ?? ".")
        var codes: Set<Int32>?
        if let list = options.raw("retry_exit_codes") {
            codes = []
            if case let .list(items) = list.kind {
                for item in items {
                    if let n = item.scalar.flatMap(Int32.init), n > 0 { codes!.insert(n) } else {
                        options.report("`retry_exit_codes` items must be exit codes from 1 to 255", at: item.location)
                    }
                }
            } else {
                options.report("`retry_exit_codes` must be a list like [75, 111]", at: list.location)
            }
        }
        let grace = options.duration("kill_grace") ?? .seconds(5)
        return CommandTask(executable: argv[0], arguments: Array(argv.dropFirst()), environment: env,
                           workingDirectory: dir, retryExitCodes: codes, killGrace: grace)
    }

    /// Needs no warehouse: the config is its own body.
    public func body(in environment: KindEnvironment) -> any TaskBody { self }

    /// The command as the user wrote it, shortened for messages.
    var display: String {
        let text = executable == "/bin/sh" && arguments.first == "-c" && arguments.count == 2
            ? arguments[1] : ([executable] + arguments).joined(separator: " ")
        let line = text.split(separator: "\n").first.map(String.init) ?? text
        return line.count > 80 ? String(line.prefix(77)) + "..." : line
    }

    public func run(_ context: TaskContext) async throws -> TaskOutput {
        // Through orch: a command that succeeds quietly costs no file (see `AttemptLog`).
        let log = context.log
        let relay: OutputRelay
        do { relay = try OutputRelay { log.append(output: $0) } } catch {
            throw TaskFailure(.internalError, "\(error)", retryable: true)
        }
        var process = ChildProcess(executable, arguments)
        process.environment = [
            "ORCH_RUN_ID": context.runID, "ORCH_TASK_ID": context.taskID, "ORCH_ATTEMPT": String(context.attempt),
            "ORCH_PIPELINE": context.pipeline,
        ]
        for (k, v) in environment { process.environment[k] = v }
        process.workingDirectory = workingDirectory
        // Own session and process group, so a timeout kills the children too.
        process.killGrace = killGrace
        let status: ChildProcess.Status
        do {
            let result = try await process.run(appendingOutputTo: relay.writeEnd) { group in
                // Its own session: the group id is the pid. Registered so a hard exit (a second Ctrl-C)
                // takes the tree along, and recorded so `orch retry` can stop it if this orch dies.
                ChildProcessGroups.register(group)
                context.processStarted(group)
            }
            if let group = result.processID { ChildProcessGroups.unregister(group) }
            status = result.status
            relay.finish()
        } catch {
            // The runner has already closed the write end (closed once spawned) even when the spawn failed.
            relay.finish()
            throw TaskFailure(.spawn, "could not start `\(executable)` in \(workingDirectory): \(error)", retryable: false)
        }
        // Exit 0 is done work even if a stop raced it: never run it again on top of itself.
        if case .exited(0) = status { return TaskOutput(summary: "exit 0") }
        try Task.checkCancellation()
        switch status {
        case .exited(0):
            return TaskOutput(summary: "exit 0")
        case let .exited(code):
            let retryable = retryExitCodes.map { $0.contains(code) } ?? true
            throw TaskFailure(.exitCode, "`\(display)` exited with code \(code)",
                              retryable: retryable, exitCode: code)
        case let .signaled(signal):
            throw TaskFailure(.signal, "the command was killed by signal \(signal)", retryable: true)
        }
    }
}
