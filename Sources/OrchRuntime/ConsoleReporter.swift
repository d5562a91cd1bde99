import Foundation
import OrchExecution
import Synchronization

/// Prints a run's progress on stdout: the thin I/O side of
/// `ProgressRenderer`. Piped, it writes the renderer's lines as they come.
/// On a terminal it also keeps the renderer's status area at the bottom,
/// erasing and redrawing it (at most every 100 ms) with ANSI cursor moves.
public final class ConsoleReporter: RunObserver {
    private struct State {
        var renderer: ProgressRenderer
        /// How many lines the area on screen takes (the cursor is just below it).
        var areaLines = 0
        var ticker: Task<Void, Never>?
    }

    private let state: Mutex<State>
    private let live: Bool
    private let write: @Sendable (String) -> Void

    /// How often the area is redrawn while nothing else happens (elapsed times tick).
    static let redrawInterval = Duration.milliseconds(100)

    /// - Parameter write: receives text with its newlines (by default written to stdout unbuffered).
    public init(configuration: ProgressRenderer.Configuration,
                write: @escaping @Sendable (String) -> Void = { FileHandle.standardOutput.write(Data($0.utf8)) }) {
        state = Mutex(State(renderer: ProgressRenderer(configuration: configuration)))
        live = configuration.mode == .live
        self.write = write
    }

    public convenience init(terminal: Terminal, verbose: Bool = false,
                            write: @escaping @Sendable (String) -> Void = { FileHandle.standardOutput.write(Data($0.utf8)) }) {
        self.init(configuration: .detect(terminal, verbose: verbose), write: write)
    }

    deinit { state.withLock { $0.ticker?.cancel() } }

    public func observe(_ event: RunEvent) async {
        await observe(batch: [event])
    }

    /// The lines of every event that queued up, in one write.
    public func observe(batch: [RunEvent]) async {
        // Written under the lock, so that the ticker's redraws and these never interleave.
        state.withLock { s in
            let lines = batch.flatMap { s.renderer.apply($0) }
            guard live else {
                if !lines.isEmpty { write(lines.map { $0 + "\n" }.joined()) }
                return
            }
            if s.renderer.finished { s.ticker?.cancel() }
            // Only what stays on screen forces a redraw now; the rest waits for the ticker.
            if !lines.isEmpty { write(Self.redraw(&s, above: lines)) }
        }
        if live, batch.contains(where: \.isRunStart), !state.withLock({ $0.renderer.finished }) { startTicker() }
    }

    /// Erases the area, prints `lines` for good, draws the area again below them.
    private static func redraw(_ s: inout State, above lines: [String]) -> String {
        var text = s.areaLines > 0 ? "\u{1B}[\(s.areaLines)A\r\u{1B}[J" : "\r\u{1B}[J"
        for line in lines { text += line + "\n" }
        let area = s.renderer.area(now: Date())
        for line in area { text += line + "\n" }
        s.areaLines = area.count
        return text
    }

    private func startTicker() {
        let task = Task { [weak self] in
            while !Task.isCancelled {
                try? await Task.sleep(for: Self.redrawInterval)
                guard let self, !Task.isCancelled else { return }
                self.state.withLock { s in
                    guard !s.renderer.finished else { return }
                    self.write(Self.redraw(&s, above: []))
                }
            }
        }
        state.withLock { $0.ticker = task }
    }
}
