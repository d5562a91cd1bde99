import ArgumentParser
import Foundation
import OrchExecution
import OrchRuntime
import OrchWeb
import OrchSpec
import OrchStore

/// `orch`: the root command. Exit codes: 0 success, 1 failed work (a task,
/// a failed test under `tests --failed`), 2 invalid pipeline or usage,
/// 3 orch itself could not work (e.g. its database), 130 the run was cancelled.
@main
struct Orch: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "orch",
        abstract: "A scheduled batch-job orchestrator: YAML pipelines, a DAG, retries, and run history in PostgreSQL.",
        discussion: """
        Environment: ORCH_HOME (default ./runs) holds run logs and the embedded database; \
        ORCH_DATABASE_URL (postgres://…) uses that server instead of the embedded one.
        Exit codes: 0 success, 1 failed work (a task, or a failed test listed by tests --failed), 2 invalid pipeline \
        or usage (a typo, an empty selection, a missing folder, an unknown name), 3 orch could not work \
        (database unreachable, …), 130 cancelled.
        """,
        version: "orch \(orchVersion)",
        subcommands: [RunCommand.self, ValidateCommand.self, GraphCommand.self, LsCommand.self, CompileCommand.self, StatusCommand.self,
                      LogsCommand.self, TestsCommand.self, LineageCommand.self, QueryCommand.self, DBCommand.self,
                      SampleDataCommand.self, SegmentsCommand.self, SchedulerCommand.self, SchedulesCommand.self,
                      TriggerCommand.self, BackfillCommand.self, CronCommand.self, ReportCommand.self, RetryCommand.self, PruneCommand.self,
                      UICommand.self]
    )

    static func main() async {
        // Progress must reach a pipe or a log file line by line: a run killed
        // early still leaves the line with its run id (needed for `orch retry`).
        lineBufferStandardOutput()
        if let unknown = unknownSubcommand(in: CommandLine.arguments.dropFirst()) {
            printError(unknown)
            Foundation.exit(2)
        }
        do {
            // The async parse, so that shell completion can ask the store (Complete.runIDs).
            var command = try await asyncParseAsRoot()
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            exit(with: error)
        }
    }

    /// Maps errors to messages on stderr and orch's exit codes.
    static func exit(with error: any Error) -> Never {
        switch error {
        case let e as SpecError:
            printError(e.description)
            Foundation.exit(2)
        case let e as RunSetupError:
            printError("error: \(e.description)")
            Foundation.exit(2)
        case let e as WebSetupError:
            printError("error: \(e.description)")
            Foundation.exit(2)
        case let e as UnknownNameError:
            printError("error: \(e.description)")
            Foundation.exit(2)
        case let e as RunStoreError:
            // An unknown or ambiguous run id, a run that cannot be retried: what the user typed, not orch failing.
            printError("error: \(e.description)")
            Foundation.exit(2)
        case let e as ExitCode:
            Foundation.exit(e.rawValue)
        default:
            let code = exitCode(for: error)
            if code == .success || error is CleanExit {
                Self.exit(withError: error)  // help and --version: ArgumentParser prints them on stdout
            }
            if code == .validationFailure {
                printError(usageMessage(for: error))
                Foundation.exit(2)
            }
            if String(describing: type(of: error)).contains("ParserError") || String(describing: type(of: error)).contains("CommandError") {
                printError(usageMessage(for: error))
                Foundation.exit(code.rawValue)
            }
            printError("error: \(StoreError.describe(error))")
            Foundation.exit(3)
        }
    }
}

/// The one prefix of every error orch prints.
let errorPrefix = "error: "

extension Orch {
    /// ArgumentParser's message for a usage error, with orch's `error:` prefix
    /// instead of its `Error:`, so that every error reads the same.
    static func usageMessage(for error: any Error) -> String {
        let text = fullMessage(for: error)
        return text.hasPrefix("Error: ") ? errorPrefix + text.dropFirst("Error: ".count) : text
    }
}

/// The version `orch --version` prints.
let orchVersion = "0.11.0"

extension Orch {
    /// The message for a first argument that names no subcommand (`orch stauts`),
    /// with the nearest one; nil when it is a subcommand, an option or absent.
    static func unknownSubcommand(in arguments: ArraySlice<String>) -> String? {
        guard let first = arguments.first, !first.hasPrefix("-"), first != "help" else { return nil }
        let names = configuration.subcommands.map { $0._commandName }
        guard !names.contains(first) else { return nil }
        let hint = KeySuggestion.nearest(to: first, among: names).map { " Did you mean `\($0)`?" } ?? ""
        return "error: `\(first)` is not an orch command.\(hint) `orch --help` lists them."
    }
}

func printError(_ text: String) {
    FileHandle.standardError.write(Data((text + "\n").utf8))
}

/// Line-buffers stdout, which C block-buffers when it is a pipe or a file.
/// C's `stdout` is reached through the loader: Swift 6 rejects any use of
/// that mutable C global, though nothing here ever assigns it.
func lineBufferStandardOutput() {
    guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "stdout") else { return }
    setvbuf(symbol.load(as: UnsafeMutablePointer<FILE>.self), nil, _IOLBF, 0)
}
