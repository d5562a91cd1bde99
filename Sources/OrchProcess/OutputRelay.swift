import Dispatch
import Foundation
import Synchronization

/// A pipe for a child process's standard output and error, read by orch as
/// the child writes, each chunk handed to `deliver` (a `command` task's
/// attempt log). Through a pipe rather than straight into a file, a command
/// that succeeds quietly costs no folder and no file: the two were most of
/// a `command: "true"` task's time beyond the spawn itself.
///
/// The relay ends with the child (`finish`), not with the pipe: a process
/// the command left behind in the background may hold the pipe open for
/// ever. What it writes after that is not kept (it gets EPIPE, or SIGPIPE):
/// such a process should send its output to a file of its own.
public final class OutputRelay: @unchecked Sendable {
    // @unchecked: `source` is a Dispatch object (thread-safe, not marked Sendable).

    /// The end the child writes to: give it to the spawn, which closes it.
    public let writeEnd: Int32
    private let readEnd: Int32
    private let source: any DispatchSourceRead
    private let deliver: @Sendable (UnsafeRawBufferPointer) -> Void
    /// Held while reading; true once the relay is over (nothing is read after that).
    private let finished = Mutex(false)

    /// How much one turn reads: `finish` waits behind it, and once the child is gone
    /// reads what it wrote just before it exited, bounded (a process left behind may go on writing).
    static let drainLimit = 1 << 20

    /// Why the pipe could not be made.
    public struct PipeFailed: Error, CustomStringConvertible {
        public var errno: Int32
        public var description: String { "cannot make a pipe for the output: \(String(cString: strerror(errno)))" }
    }

    public init(deliver: @escaping @Sendable (UnsafeRawBufferPointer) -> Void) throws {
        var ends: [Int32] = [-1, -1]
        guard pipe(&ends) == 0 else { throw PipeFailed(errno: errno) }
        readEnd = ends[0]
        writeEnd = ends[1]
        // Close-on-exec, so children other tasks spawn do not hold the pipe (the spawn gives the child
        // its own copy). Not atomic (Glibc's module lacks pipe2): a spawn in that instant leaks a copy
        // to its child, which only keeps the pipe from reaching end of file, and the relay never waits for that.
        for end in ends { _ = fcntl(end, F_SETFD, FD_CLOEXEC) }
        _ = fcntl(readEnd, F_SETFL, O_NONBLOCK)
        self.deliver = deliver
        source = DispatchSource.makeReadSource(fileDescriptor: readEnd, queue: DispatchQueue(label: "orch.output-relay"))
        let readEnd = self.readEnd
        source.setEventHandler { [weak self] in self?.drain(limit: Self.drainLimit) }
        source.setCancelHandler { close(readEnd) }
        source.activate()
    }

    /// Reads what the pipe holds, up to `limit` bytes; stops at end of file
    /// (every writer gone), which also ends the relay.
    private func drain(limit: Int) {
        finished.withLock { finished in
            guard !finished else { return }
            var left = limit
            var buffer = [UInt8](repeating: 0, count: 65_536)
            while left > 0 {
                let count = buffer.withUnsafeMutableBytes { read(readEnd, $0.baseAddress, min($0.count, left)) }
                if count > 0 {
                    buffer.withUnsafeBytes { deliver(UnsafeRawBufferPointer(rebasing: $0[..<count])) }
                    left -= count
                } else if count < 0 && errno == EINTR {
                    continue
                } else {
                    // 0: end of file. EAGAIN: nothing more for now. Anything else: nothing more to read.
                    if count == 0 || errno != EAGAIN { end(&finished) }
                    return
                }
            }
        }
    }

    /// No more reads; the descriptor is closed once no read is under way (the source's cancel handler).
    private func end(_ finished: inout Bool) {
        finished = true
        source.cancel()
    }

    /// Once the child has exited: hands over what it wrote, then closes the
    /// pipe. Here, not on the relay's queue: non-blocking reads of a bounded
    /// amount, and no hand-off to another thread and back for each command.
    public func finish() {
        drain(limit: Self.drainLimit)
        finished.withLock { if !$0 { end(&$0) } }
    }

    deinit {
        // Never finished (the spawn threw before the child ran): the pipe still goes.
        source.cancel()
    }
}
