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
/// ever. What it writes after that is read and dropped until it closes the
/// pipe, so it goes on running (it is not killed by SIGPIPE), but its output
/// is not kept: such a process should send it to a file of its own.
public final class OutputRelay: @unchecked Sendable {
    // @unchecked: `source` is a Dispatch object (thread-safe, not marked Sendable).

    /// The end the child writes to: give it to the spawn, which closes it.
    public let writeEnd: Int32
    private let readEnd: Int32
    private let source: any DispatchSourceRead

    private enum Phase {
        /// The child runs: what it writes goes to `deliver`.
        case relaying(@Sendable (UnsafeRawBufferPointer) -> Void)
        /// The child is gone; a process it left holds the pipe: read, dropped.
        case discarding
        /// End of file (or an error): nothing more is read; the descriptor closes.
        case over
    }

    /// Held while reading.
    private let phase: Mutex<Phase>

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
        // to its child, which only keeps the pipe from reaching end of file; the relay never waits for that.
        for end in ends { _ = fcntl(end, F_SETFD, FD_CLOEXEC) }
        _ = fcntl(readEnd, F_SETFL, O_NONBLOCK)
        phase = Mutex(.relaying(deliver))
        source = DispatchSource.makeReadSource(fileDescriptor: readEnd, queue: DispatchQueue(label: "orch.output-relay"))
        let readEnd = self.readEnd
        // Strong: the relay lives as long as its source, until end of file (the source drops its
        // handlers once cancelled), so a process left behind can go on writing after the task.
        source.setEventHandler { self.drain(limit: Self.drainLimit) }
        source.setCancelHandler { close(readEnd) }
        source.activate()
    }

    /// Reads what the pipe holds, up to `limit` bytes; at end of file (every
    /// writer gone) the relay is over.
    private func drain(limit: Int) {
        phase.withLock { phase in
            if case .over = phase { return }
            var left = limit
            var buffer = [UInt8](repeating: 0, count: 65_536)
            while left > 0 {
                let count = buffer.withUnsafeMutableBytes { read(readEnd, $0.baseAddress, min($0.count, left)) }
                if count > 0 {
                    if case let .relaying(deliver) = phase {
                        buffer.withUnsafeBytes { deliver(UnsafeRawBufferPointer(rebasing: $0[..<count])) }
                    }
                    left -= count
                } else if count < 0 && errno == EINTR {
                    continue
                } else {
                    // 0: end of file. EAGAIN: nothing more for now. Anything else: nothing more to read.
                    if count == 0 || errno != EAGAIN {
                        phase = .over
                        source.cancel()
                    }
                    return
                }
            }
        }
    }

    /// Once the child has exited: hands over what it wrote. Here, not on the
    /// relay's queue: non-blocking reads of a bounded amount, and no hand-off
    /// to another thread and back for each command. Whatever comes later is dropped.
    public func finish() {
        drain(limit: Self.drainLimit)
        phase.withLock { phase in
            if case .relaying = phase { phase = .discarding }
        }
    }
}
