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
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent,
                                                withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
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
            do { try h.write(contentsOf: data) } catch {
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

    /// The last `lines` lines of the file (at most `maxBytes` read from its end).
    public static func tail(of path: String, lines: Int = 40, maxBytes: Int = 16_384) -> String {
        guard let h = FileHandle(forReadingAtPath: path) else { return "" }
        defer { try? h.close() }
        let size = (try? h.seekToEnd()) ?? 0
        let start = size > UInt64(maxBytes) ? size - UInt64(maxBytes) : 0
        try? h.seek(toOffset: start)
        let data = (try? h.readToEnd()) ?? Data()
        var text = String(decoding: data, as: UTF8.self)
        if start > 0, let newline = text.firstIndex(of: "\n") { text = String(text[text.index(after: newline)...]) }
        var all = text.split(separator: "\n", omittingEmptySubsequences: false)
        if all.last == "" { all.removeLast() }
        return all.suffix(lines).joined(separator: "\n")
    }
}
