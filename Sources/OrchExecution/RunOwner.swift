import Foundation

/// Who owns a run: the process that started it (or took it over with
/// `orch retry`). The token is new for every start and every retry, so a
/// process can tell "still mine" from "taken over", and the store refuses
/// state writes from anyone but the holder of the current token.
public struct RunOwner: Sendable, Hashable {
    public var token: String
    public var host: String
    public var pid: Int32
    /// Proves the owner gone at once when it is on this machine (see `ProcessStamp`).
    public var stamp: ProcessStamp?

    public init(token: String, host: String, pid: Int32, stamp: ProcessStamp?) {
        self.token = token
        self.host = host
        self.pid = pid
        self.stamp = stamp
    }

    /// This process, with a new token.
    public static func current() -> RunOwner {
        RunOwner(token: newToken(), host: ProcessInfo.processInfo.hostName, pid: ProcessInfo.processInfo.processIdentifier,
                 stamp: ProcessStamp.current)
    }

    public static func newToken() -> String { UUID().uuidString.lowercased() }
}
