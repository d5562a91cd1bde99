import Foundation
import PropertyBased
import Testing
import OrchExecution
@testable import OrchRuntime

/// OpenLineage events are put together from bytes (the encoder cost a third
/// of an `empty` task): whatever the names, each line must be the very JSON
/// value `JSONEncoder` gives for the typed event.
@Suite("OpenLineage events put together by hand")
struct OpenLineageEncodingTests {
    /// Names with what JSON must escape, and what it must not: quotes, backslashes, control characters, slashes, non-ASCII.
    static let awkward = Generator(run: { rng in
        let pool: [String] = ["a", "Z", "0", "_", ".", "/", "\"", "\\", "\n", "\r", "\t", "\u{0}", "\u{1}", "\u{8}", "\u{c}",
                              "\u{1f}", "\u{7f}", "é", "😀", " ", ":", "{", "}", "[", "]", ",", "file:", "http:", "\u{2028}"]
        return (0..<Int.random(in: 0...16, using: &rng)).map { _ in pool.randomElement(using: &rng)! }.joined()
    })

    static func info(pipeline: String) -> RunInfo {
        RunInfo(id: "20261207T000000Z-abcdef", pipeline: pipeline, pipelineFile: "/p.yml", trigger: .schedule("nightly"),
                logicalTime: Date(timeIntervalSince1970: 1_800_000_000), params: [:], specHash: "h", host: "h", pid: 1,
                directory: "/tmp/none", tasks: [], startedAt: Date(timeIntervalSince1970: 1_800_000_000))
    }

    static func value(_ data: Data?) throws -> NSDictionary {
        let bytes = try #require(data)
        let object = try JSONSerialization.jsonObject(with: bytes)
        return try #require(object as? NSDictionary)
    }

    @Test("any pipeline, task and dataset names: the same JSON value as the encoder's, on one line")
    func sameAsEncoder() async {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        await propertyCheck(count: 300, input: Self.awkward, Self.awkward, Self.awkward) { pipeline, task, dataset in
            let exporter = OpenLineageExporter(info: Self.info(pipeline: pipeline), datasets: [:], url: nil)
            let at = Date(timeIntervalSince1970: 1_800_000_123.456)
            let inputs = [dataset, "file:" + dataset], outputs = ["http:" + dataset]
            let fast = exporter.encode("COMPLETE", task: task, at: at, inputs: inputs, outputs: outputs, error: nil)
            #expect(fast.map { !$0.contains(0x0A) } == true, "one line of the .jsonl file")
            let reference = try encoder.encode(exporter.typedEvent("COMPLETE", task: task, at: at, inputs: inputs, outputs: outputs, error: nil))
            #expect(try Self.value(fast) == Self.value(reference))
        }
    }

    @Test("run and task ids are the same name-based UUIDs as before (what a lineage server already stored)", arguments: [
        ("20261207T000000Z-abcdef", "9048fd43-f40b-5f19-b792-87c8723d789b"),
        ("20261207T000000Z-abcdef/t1", "8b38596c-8d12-5a69-8063-349806a7c40b"),
        ("é😀", "52da6ebd-ce68-576c-91d1-288aec95b47e"),
    ])
    func stableUUIDs(_ text: String, expected: String) {
        #expect(OpenLineageExporter.uuid(text) == expected)
        #expect(UUID(uuidString: OpenLineageExporter.uuid(text)) != nil)
    }

    @Test("a string quoted by hand reads back as itself")
    func quotedRoundTrip() async {
        await propertyCheck(count: 500, input: Self.awkward) { text in
            var out: [UInt8] = Array("[".utf8)
            JSONText.appendQuoted(text, to: &out)
            out.append(UInt8(ascii: "]"))
            let back = try JSONSerialization.jsonObject(with: Data(out)) as? [String]
            #expect(back == [text])
        }
    }
}
