import Dispatch
import Foundation
import OrchExecution

/// SIGINT and SIGTERM request a clean stop (tasks stopped, states recorded);
/// a second SIGINT exits at once.
enum SignalHandlers {
    static func install(_ stop: StopSignal) -> [any DispatchSourceSignal] {
        var sources: [any DispatchSourceSignal] = []
        for (signo, name) in [(SIGINT, "interrupted (SIGINT)"), (SIGTERM, "terminated (SIGTERM)")] {
            signal(signo, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: signo, queue: .global())
            source.setEventHandler {
                if signo == SIGINT, stop.reason != nil {
                    FileHandle.standardError.write(Data("orch: second interrupt, exiting now (task processes killed)\n".utf8))
                    ChildProcessGroups.killAll()
                    exit(130)
                }
                FileHandle.standardError.write(Data("orch: \(name): stopping running tasks and recording their state…\n".utf8))
                stop.request(name)
            }
            source.resume()
            sources.append(source)
        }
        return sources
    }
}
