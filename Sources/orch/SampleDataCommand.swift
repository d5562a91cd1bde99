import ArgumentParser
import Foundation
import OrchRuntime
import OrchSampleData
import OrchSpec

struct SampleDataCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sample-data",
        abstract: "Write the five marketing CSV files (deterministic: same seed, same bytes)."
    )

    @Argument(help: "Folder to write into (created if needed).")
    var directory: String

    @Option(help: "Random seed.")
    var seed: UInt64 = 42

    @Option(help: "Inject this many bad lines into Online_Sales.csv (listed on stdout).")
    var badRows: Int = 0

    func validate() throws {
        guard (0...SampleData.maxBadRows).contains(badRows) else {
            throw ValidationError("--bad-rows must be between 0 and \(SampleData.maxBadRows) (one per sales line at most), found \(badRows)")
        }
    }

    func run() async throws {
        let started = ContinuousClock.now
        let data = SampleData.generate(seed: seed, badRows: badRows)
        do { try data.write(to: directory) } catch {
            // The folder the user named cannot be made or written: their input (exit 2), said plainly.
            let posix = (error as? CocoaError)?.underlying as? POSIXError
            let reason = posix.map { String(cString: strerror($0.code.rawValue)) } ?? error.localizedDescription
            throw RunSetupError("cannot write the sample data to \(directory): \(reason); name a folder you can write")
        }
        for file in data.files {
            print("\(directory)/\(file.name): \(file.rows) rows, \(file.bytes.count) bytes")
        }
        for bad in data.badRows { print("injected: \(bad)") }
        print("generated in \(DurationText.format(ContinuousClock.now - started))")
    }
}
