import Foundation
import OrchSpec
import Synchronization

/// The log file of one attempt (`…/<task>/attempt-<n>.log`). Opened for
/// appending, so a child process can write to the same file through its own
/// descriptor without the two overwriting each other.
public final class AttemptLog: Sendable {
    public let path: String
    private let handle: Mutex<FileHandle?>
    private let secrets: SecretMask
    private let failure = Mutex<String?>(nil)
    /// What this object wrote: how many bytes, and the last of them. When the
    /// file holds exactly that many at the end, nobody else wrote to it (no
    /// child process), and its tail is read from here, not from the disk.
    private let written = Mutex<(bytes: Int, recent: Data)>((0, Data()))

    /// An attempt log that is already there: it belongs to an earlier
    /// attempt (perhaps one the database never heard of) and is kept.
    public struct Exists: Error, Sendable, Hashable {
        public var path: String
    }

    /// Creates (or truncates) the file, readable by its owner only, and its
    /// folder (0700). With `exclusive`, an existing file is never touched:
    /// `Exists` is thrown instead.
    public init(path: String, exclusive: Bool = false, secrets: SecretMask = .none) throws {
        self.path = path
        self.secrets = secrets
        // One mkdir(2) where the run folder exists (every attempt but a task's first finds its folder there).
        let folder = (path as NSString).deletingLastPathComponent
        if mkdir(folder, 0o700) != 0 && errno != EEXIST {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true,
                                                    attributes: [.posixPermissions: 0o700])
        }
        let flags = O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | (exclusive ? O_EXCL : O_TRUNC)
        let fd = open(path, flags, 0o600)
        guard fd >= 0 else {
            if errno == EEXIST { throw Exists(path: path) }
            throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO)
        }
        handle = Mutex(FileHandle(fileDescriptor: fd, closeOnDealloc: true))
    }

    /// Appends `text` and a newline, secrets masked. A failed write (a full
    /// disk) is remembered: the executor fails the attempt rather than
    /// reporting a success whose log is gone.
    public func write(_ text: String) {
        let data = Data(secrets.apply(text.hasSuffix("\n") ? text : text + "\n").utf8)
        handle.withLock { h in
            guard let h else { return }
            do {
                try h.write(contentsOf: data)
                written.withLock { w in
                    w.bytes += data.count
                    w.recent.append(data)
                    if w.recent.count > 2 * Self.tailBytes { w.recent.removeFirst(w.recent.count - Self.tailBytes) }
                }
            } catch {
                failure.withLock { $0 = $0 ?? "writing \(path) failed: \(error.localizedDescription)" }
            }
        }
    }

    /// Why a write to this log failed, if one did.
    public var writeFailure: String? { failure.withLock { $0 } }

    public func close() {
        handle.withLock { h in
            try? h?.close()
            h = nil
        }
    }

    /// What an attempt log's owner wrote last: up to `count` non-empty lines
    /// of `tail` that are not orch's own `== orch:` lines. For a failure,
    /// usually the line that says why (`fatal: config missing`).
    public static func lastWords(of tail: String, count: Int = 3) -> [String] {
        tail.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty && !$0.hasPrefix(marker) }.suffix(count).map { String($0) }
    }

    /// How orch's own lines in an attempt log begin.
    public static let marker = "== orch:"

    /// How much of a log's end its tail is taken from.
    public static let tailBytes = 16_384

    /// The last `lines` lines of this attempt's file: from memory when only
    /// this object wrote to it (one stat), else read from the file.
    public func tail(lines: Int = 40) -> String {
        let (bytes, recent) = written.withLock { ($0.bytes, $0.recent) }
        var info = stat()
        guard stat(path, &info) == 0, Int(info.st_size) == bytes else { return Self.tail(of: path, lines: lines) }
        let cut = max(0, recent.count - Self.tailBytes)
        return Self.lastLines(of: recent.suffix(from: recent.startIndex + cut), cutShort: bytes > recent.count - cut, lines: lines)
    }

    /// The last `lines` lines of the file (at most `maxBytes` read from its end).
    public static func tail(of path: String, lines: Int = 40, maxBytes: Int = tailBytes) -> String {
        guard let h = FileHandle(forReadingAtPath: path) else { return "" }
        defer { try? h.close() }
        let size = (try? h.seekToEnd()) ?? 0
        let start = size > UInt64(maxBytes) ? size - UInt64(maxBytes) : 0
        try? h.seek(toOffset: start)
        return lastLines(of: (try? h.readToEnd()) ?? Data(), cutShort: start > 0, lines: lines)
    }

    /// The last `lines` lines of the end of a log; `cutShort`: the text starts mid-file, so its first line is partial.
    private static func lastLines(of data: Data, cutShort: Bool, lines: Int) -> String {
        var text = String(decoding: data, as: UTF8.self)
        if cutShort, let newline = text.firstIndex(of: "\n") { text = String(text[text.index(after: newline)...]) }
        var all = text.split(separator: "\n", omittingEmptySubsequences: false)
        if all.last == "" { all.removeLast() }
        return all.suffix(lines).joined(separator: "\n")
    }
}
