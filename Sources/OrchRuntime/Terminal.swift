import Foundation
import OrchExecution
import OrchSpec

/// How to print: colour (and a redrawn progress area) only on a terminal
/// and when NO_COLOR is unset; the terminal's size, so lines never wrap.
public struct Terminal: Sendable {
    public var color: Bool
    /// Columns and rows (80×24 when unknown).
    public var width: Int
    public var height: Int

    public init(color: Bool, width: Int = 80, height: Int = 24) {
        self.color = color
        self.width = width
        self.height = height
    }

    public static func detect(environment: [String: String] = ProcessInfo.processInfo.environment) -> Terminal {
        let (width, height) = size(environment: environment)
        return Terminal(color: isatty(STDOUT_FILENO) == 1 && environment["NO_COLOR"] == nil && environment["TERM"] != "dumb",
                        width: width, height: height)
    }

    /// Stdout's window size (TIOCGWINSZ), else `COLUMNS`/`LINES`, else 80×24.
    static func size(environment: [String: String]) -> (Int, Int) {
        var w = winsize()
        if ioctl(STDOUT_FILENO, UInt(TIOCGWINSZ), &w) == 0, w.ws_col > 0 {
            return (Int(w.ws_col), w.ws_row > 0 ? Int(w.ws_row) : 24)
        }
        let positive = { (name: String) in environment[name].flatMap(Int.init).flatMap { $0 > 0 ? $0 : nil } }
        return (positive("COLUMNS") ?? 80, positive("LINES") ?? 24)
    }

    /// `line` cut to `width` visible columns (ANSI colour codes don't count),
    /// ending in `…` when cut, colour reset: a cut line never wraps.
    public static func cut(_ line: String, to width: Int) -> String {
        guard visibleWidth(line) > width else { return line }
        var out = ""
        var count = 0
        var inEscape = false
        var painted = false
        for ch in line {
            if ch == "\u{1B}" { inEscape = true; painted = true; out.append(ch); continue }
            if inEscape { out.append(ch); if ch == "m" { inEscape = false }; continue }
            guard count < width - 1 else { break }
            out.append(ch)
            count += 1
        }
        return out + "…" + (painted ? "\u{1B}[0m" : "")
    }

    public func paint(_ text: String, _ code: String) -> String {
        color ? "\u{1B}[\(code)m\(text)\u{1B}[0m" : text
    }

    /// Green for success, red for failure, yellow for held back, cyan at work, dim waiting.
    public func state(_ status: RunStatus) -> String {
        switch status {
        case .succeeded: return paint(status.rawValue, "32")
        case .failed, .crashed: return paint(status.rawValue, "31")
        case .cancelled: return paint(status.rawValue, "33")
        case .running: return paint(status.rawValue, "36")
        }
    }

    public func state(_ state: TaskState) -> String {
        switch state {
        case .succeeded: return paint(state.rawValue, "32")
        case .failed: return paint(state.rawValue, "31")
        case .upstreamFailed, .cancelled: return paint(state.rawValue, "33")
        case .running: return paint(state.rawValue, "36")
        case .pending, .skipped: return paint(state.rawValue, "2")
        }
    }

    /// Left-aligned columns; ANSI colour codes don't count toward widths.
    public static func table(_ header: [String], _ rows: [[String]]) -> String {
        let all = [header] + rows
        let widths = header.indices.map { c in all.map { visibleWidth($0[c]) }.max() ?? 0 }
        return all.map { row in
            row.enumerated().map { c, cell in
                c == row.count - 1 ? cell : cell + String(repeating: " ", count: widths[c] - visibleWidth(cell))
            }.joined(separator: "  ").trimmingTrailingSpaces
        }.joined(separator: "\n")
    }

    static func visibleWidth(_ s: String) -> Int {
        var count = 0
        var inEscape = false
        for ch in s {
            if ch == "\u{1B}" { inEscape = true; continue }
            if inEscape { if ch == "m" { inEscape = false }; continue }
            count += 1
        }
        return count
    }

    /// A duration as every human output prints it (`175ms`, `20.5s`, `1m54s`): ``DurationText/format(_:)``.
    public static func seconds(_ interval: TimeInterval?) -> String {
        guard let interval else { return "-" }
        return DurationText.format(.milliseconds(Int64((max(0, interval) * 1000).rounded())))
    }
}

extension String {
    /// Only trailing spaces go: a cell that starts with spaces (an attempt
    /// under its task) keeps them, or its row would shift left of its column.
    var trimmingTrailingSpaces: String {
        var s = Substring(self)
        while s.last == " " { s = s.dropLast() }
        return String(s)
    }
}
