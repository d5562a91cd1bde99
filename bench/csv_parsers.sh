#!/usr/bin/env bash
# Benchmark: parse Online_Sales.csv with orch's own CSV reader
# (Sources/OrchTasks/CSVReader.swift) and with yaslab/CSV.swift 2.5.2, in
# one release-built process, ROUNDS times each; prints medians and the ratio.
# This is the measurement behind choosing the small reader of our own
# (DESIGN.md asks for it). It builds a throwaway package under /tmp that
# compiles a copy of our reader beside the library.
#
#   bash bench/csv_parsers.sh
set -euo pipefail
cd "$(dirname "$0")/.."
[ -d /opt/swift/usr/bin ] && export PATH="$PATH:/opt/swift/usr/bin"
root=$PWD
work=/tmp/orch-csv-parsers
mkdir -p "$work/Sources/Ours" "$work/Sources/bench"
cp "$root/Sources/OrchTasks/CSVReader.swift" "$work/Sources/Ours/CSVReader.swift"
cat >"$work/Package.swift" <<'SWIFT'
// swift-tools-version: 6.0
import PackageDescription
let package = Package(
    name: "csvbench",
    dependencies: [.package(url: "https://github.com/yaslab/CSV.swift", from: "2.5.2")],
    targets: [
        .target(name: "Ours"),
        .executableTarget(name: "bench", dependencies: ["Ours", .product(name: "CSV", package: "CSV.swift")]),
    ]
)
SWIFT
cat >"$work/Sources/bench/main.swift" <<'SWIFT'
import CSV
import Foundation
import Ours

let path = CommandLine.arguments[1], rounds = Int(CommandLine.arguments[2]) ?? 7
let bytes = [UInt8](FileManager.default.contents(atPath: path)!)
let text = String(decoding: bytes, as: UTF8.self)

func time(_ body: () throws -> Int) rethrows -> (Double, Int) {
    let start = DispatchTime.now().uptimeNanoseconds
    let n = try body()
    return (Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6, n)
}
func median(_ xs: [Double]) -> Double { xs.sorted()[xs.count / 2] }

var ours: [Double] = [], theirs: [Double] = []
var oursFields = 0, theirFields = 0
for _ in 0..<rounds {
    // Both: every field as bytes we can inspect (ours) or as a String (CSV.swift's only form).
    let (a, n1) = time {
        var fields = 0
        Ours.CSVReader(bytes).forEach { r in fields += r.count; _ = r.field(r.count - 1).count; return true }
        return fields
    }
    let (b, n2) = try time {
        var fields = 0
        let reader = try CSV(string: text, hasHeaderRow: false)  // CSV.swift's typealias for its CSVReader
        while let row = reader.next() { fields += row.count }
        return fields
    }
    ours.append(a); theirs.append(b); oursFields = n1; theirFields = n2
}
print("fields parsed: ours \(oursFields), CSV.swift \(theirFields)")
print(String(format: "  orch CSVReader  %7.1f ms   yaslab/CSV.swift %7.1f ms   CSV.swift / ours = %.1fx   (%d rounds, medians)",
             median(ours), median(theirs), median(theirs) / median(ours), rounds))
SWIFT
data=$(mktemp -d)
swift build -c release --product orch >/dev/null 2>&1
"$root/.build/release/orch" sample-data "$data" >/dev/null
(cd "$work" && swift build -c release >/dev/null 2>&1 && .build/release/bench "$data/Online_Sales.csv" "${ROUNDS:-7}")
rm -rf "$data"
