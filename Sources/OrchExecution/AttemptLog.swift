import Foundation
import OrchSpec
import Synchronization

/// The log of one attempt (`…/<task>/attempt-<n>.log`). Lines are kept in
/// memory until the file is needed: when the attempt has gone on for a while (`LogFlusher`,
/// so `orch logs -f` sees it), when it outgrows a tail, or when the attempt
/// ends in anything but success. A short attempt that succeeds never costs
/// a folder and a file: everything it logged is in its stored tail.
/// A child process's output comes through orch (`append(output:)`), so a
/// command that succeeds quietly costs no file either.
public final class AttemptLog: Sendable {
    public let path: String
    private let secrets: SecretMask
    private let exclusive: Bool
    private let state = Mutex(State())

    private struct State {
        /// Open once the file exists, until `close`.
        var handle: FileHandle?
        /// The file was made (it may be closed since).
        var onDisk = false
        var closed = false
        /// What this object wrote: how many bytes and lines, and the last of
        /// them (all of them while the file does not exist). When the file
        /// holds exactly that many bytes, nobody else wrote to it (no child
        /// process), and its tail is read from here, not from the disk.
        var bytes = 0
        var lines = 0
        var recent: [UInt8] = []
        var failure: String?
    }

    /// An attempt log that is already there: it belongs to an earlier
    /// attempt (perhaps one the database never heard of) and is kept.
    public struct Exists: Error, Sendable, Hashable {
        public var path: String
    }

    /// A log for `path`; nothing is created yet. With `exclusive`, an
    /// existing file is never touched: `Exists` is thrown instead (now, and
    /// if one appears before this log is put on disk); without, it is truncated
    /// when this log is put on disk.
    public init(path: String, exclusive: Bool = false, secrets: SecretMask = .none) throws {
        self.path = path
        self.secrets = secrets
        self.exclusive = exclusive
        if exclusive && access(path, F_OK) == 0 { throw Exists(path: path) }
    }

    /// Appends `text` and a newline, secrets masked. A failed write (a full
    /// disk) is remembered: the executor fails the attempt rather than
    /// reporting a success whose log is gone.
    public func write(_ text: String) {
        append(Array(secrets.apply(text.hasSuffix("\n") ? text : text + "\n").utf8))
    }

    /// Appends what a child process wrote (`OutputRelay`), as it came: a
    /// chunk may end mid-line, and is not masked (a secret may be split
    /// across two chunks; a child's output never was masked).
    public func append(output: UnsafeRawBufferPointer) {
        append(Array(output))
    }

    private func append(_ bytes: [UInt8]) {
        let lines = bytes.reduce(0) { $0 + ($1 == UInt8(ascii: "\n") ? 1 : 0) }
        state.withLock { s in
            guard !s.closed else { return }
            if let handle = s.handle {
                do { try handle.write(contentsOf: bytes) } catch {
                    s.failure = s.failure ?? "writing \(path) failed: \(error.localizedDescription)"
                    return
                }
            }
            s.bytes += bytes.count
            s.lines += lines
            s.recent.append(contentsOf: bytes)
            // More than a tail holds: only a file keeps it all.
            if !s.onDisk, s.recent.count > Self.tailBytes { putOnDisk(&s) }
            // On disk, or it cannot be (a failure is on record): memory keeps only a tail.
            if s.onDisk || s.failure != nil, s.recent.count > 2 * Self.tailBytes { s.recent.removeFirst(s.recent.count - Self.tailBytes) }
        }
    }

    /// Creates the file (and its folder, 0700) with everything written so far,
    /// if it is not there yet, and returns its path. Never after `close`.
    /// - Throws: `Exists` (exclusive, and another file took the name) or the `open(2)` error.
    @discardableResult
    public func materialize() throws -> String {
        try state.withLock { s in
            putOnDisk(&s)
            if let failure = s.failure, !s.onDisk { throw FileProblem(message: failure) }
        }
        return path
    }

    struct FileProblem: Error, CustomStringConvertible { var message: String; var description: String { message } }

    /// Puts the log on disk unless it is there (or closed); a failure is remembered.
    private func putOnDisk(_ s: inout State) {
        // After a failure, not again at every line: the attempt fails for it anyway.
        guard !s.onDisk, !s.closed, s.failure == nil else { return }
        // One mkdir(2) where the run folder exists (every attempt but a task's first finds its folder there).
        let folder = (path as NSString).deletingLastPathComponent
        if mkdir(folder, 0o700) != 0 && errno != EEXIST {
            try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true,
                                                     attributes: [.posixPermissions: 0o700])
        }
        let flags = O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | (exclusive ? O_EXCL : O_TRUNC)
        let fd = open(path, flags, 0o600)
        guard fd >= 0 else {
            let reason = errno == EEXIST ? "another file took its name" : String(cString: strerror(errno))
            s.failure = s.failure ?? "creating \(path) failed: \(reason)"
            return
        }
        let handle = FileHandle(fileDescriptor: fd, closeOnDealloc: true)
        do { try handle.write(contentsOf: s.recent) } catch {
            s.failure = s.failure ?? "writing \(path) failed: \(error.localizedDescription)"
        }
        s.handle = handle
        s.onDisk = true
    }

    /// Why a write to this log failed, if one did.
    public var writeFailure: String? { state.withLock { $0.failure } }

    /// Bytes of the log held in memory (at most two tails once it is on disk or cannot be).
    var bytesInMemory: Int { state.withLock { $0.recent.count } }

    /// Whether the file exists (was made by this log).
    public var isOnDisk: Bool { state.withLock { $0.onDisk } }

    /// Closes the log. With `tailLines`, a log still only in memory that
    /// holds at most that many lines stays off the disk: its tail of that
    /// many lines is all of it. Without, it is put on disk first.
    public func close(unlessTailHolds tailLines: Int? = nil) {
        state.withLock { s in
            if !s.onDisk, tailLines.map({ s.lines > $0 }) ?? true { putOnDisk(&s) }
            try? s.handle?.close()
            s.handle = nil
            s.closed = true
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

    /// The last `lines` lines of this attempt's log: from memory when only
    /// this object wrote to it (one stat, none while it is not on disk), else
    /// read from the file.
    public func tail(lines: Int = 40) -> String {
        let (bytes, recent, onDisk) = state.withLock { ($0.bytes, $0.recent, $0.onDisk) }
        if onDisk {
            var info = stat()
            guard stat(path, &info) == 0, Int(info.st_size) == bytes else { return Self.tail(of: path, lines: lines) }
        }
        let cut = max(0, recent.count - Self.tailBytes)
        return Self.lastLines(of: Data(recent[cut...]), cutShort: bytes > recent.count - cut, lines: lines)
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
