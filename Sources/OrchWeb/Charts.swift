import Foundation

/// Small SVG charts: bars for a category, a line for time, one number large.
/// Labels and values are text through `HTML`, like everything else.
enum Charts {
    struct Point {
        var label: String
        var value: Double
    }

    static let width = 760.0, height = 260.0, left = 70.0, bottom = 60.0, top = 12.0

    /// A round step for about five grid lines up to `maximum`.
    static func step(_ maximum: Double) -> Double {
        guard maximum > 0, maximum.isFinite else { return 1 }
        let raw = maximum / 5, magnitude = pow(10, floor(log10(raw)))
        return [1, 2, 2.5, 5, 10].map { $0 * magnitude }.first { $0 >= raw } ?? raw
    }

    /// `1.2M`, `35k`, `12.5`: short enough for an axis.
    static func short(_ v: Double) -> String {
        let a = abs(v)
        if a >= 1e9 { return String(format: "%.1fG", v / 1e9) }
        if a >= 1e6 { return String(format: "%.1fM", v / 1e6) }
        if a >= 1e4 { return String(format: "%.0fk", v / 1e3) }
        if a >= 100 || v == v.rounded() { return String(format: "%.0f", v) }
        return String(format: "%.2f", v)
    }

    static func frame(_ points: [Point], _ marks: (_ x: (Int) -> Double, _ y: (Double) -> Double, _ slot: Double) -> HTML) -> HTML {
        let maximum = max(points.map(\.value).max() ?? 0, 0), minimum = min(points.map(\.value).min() ?? 0, 0)
        let s = step(max(maximum - minimum, 1e-9))
        let lo = (minimum / s).rounded(.down) * s, hi = max((maximum / s).rounded(.up) * s, lo + s)
        let plotW = width - left - 10, plotH = height - top - bottom
        let slot = plotW / Double(max(points.count, 1))
        func x(_ i: Int) -> Double { left + slot * (Double(i) + 0.5) }
        func y(_ v: Double) -> Double { top + plotH * (1 - (v - lo) / (hi - lo)) }
        var grid: [HTML] = []
        var v = lo
        while v <= hi + s / 2 {
            grid.append("<line class=\"grid\" x1=\"\(left)\" x2=\"\(width - 10)\" y1=\"\(y(v))\" y2=\"\(y(v))\"/><text x=\"\(left - 6)\" y=\"\(y(v) + 4)\" text-anchor=\"end\">\(short(v))</text>")
            v += s
        }
        // Every label when they fit, else every n-th.
        let every = max(1, Int((Double(points.count) * 14 / plotW).rounded(.up)))
        let labels = points.indices.filter { $0 % every == 0 }.map { i -> HTML in
            let text = points[i].label.count > 14 ? String(points[i].label.prefix(13)) + "…" : points[i].label
            return "<text transform=\"translate(\(x(i) + 3),\(height - bottom + 10)) rotate(45)\">\(text)</text>"
        }
        return """
        <svg class="chart" xmlns="http://www.w3.org/2000/svg" width="\(width)" height="\(height)" viewBox="0 0 \(width) \(height)">
        <style>.chart .grid{stroke:#eceff1}.chart text{fill:#546e7a;font-size:10px}.chart .bar{fill:#1565c0}.chart .bar:hover{fill:#42a5f5}
        .chart .line{fill:none;stroke:#1565c0;stroke-width:2}.chart .dot{fill:#1565c0}</style>
        \(grid)\(marks(x, y, slot))\(labels)</svg>
        """
    }

    static func bars(_ points: [Point]) -> HTML {
        frame(points) { x, y, slot in
            points.enumerated().map { i, p -> HTML in
                let w = max(slot * 0.7, 1), y0 = y(0), y1 = y(p.value)
                return "<rect class=\"bar\" x=\"\(x(i) - w / 2)\" y=\"\(min(y0, y1))\" width=\"\(w)\" height=\"\(max(abs(y0 - y1), 0.5))\"><title>\(p.label): \(short(p.value))</title></rect>"
            }.joined()
        }
    }

    static func line(_ points: [Point]) -> HTML {
        frame(points) { x, y, _ in
            let path = points.enumerated().map { i, p in "\(i == 0 ? "M" : "L")\(String(format: "%.1f,%.1f", x(i), y(p.value)))" }.joined(separator: " ")
            let dots = points.enumerated().map { i, p -> HTML in
                "<circle class=\"dot\" cx=\"\(x(i))\" cy=\"\(y(p.value))\" r=\"3\"><title>\(p.label): \(short(p.value))</title></circle>"
            }
            return "<path class=\"line\" d=\"\(path)\"/>\(dots)"
        }
    }

    /// One value, large, with what it is.
    static func number(_ value: String, caption: String) -> HTML {
        "<div class=\"bignumber\"><div class=\"big\">\(value)</div><div class=\"muted\">\(caption)</div></div>"
    }
}
