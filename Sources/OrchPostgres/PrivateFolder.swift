import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The account a private folder must belong to: the one that runs the cluster.
struct FolderOwner: Sendable, Equatable {
    var uid: uid_t
    var gid: gid_t

    /// The cluster's account: the unprivileged server owner when orch runs as
    /// root, else orch's own account.
    static func cluster(_ owner: ServerOwner?) -> FolderOwner {
        owner.map { FolderOwner(uid: $0.uid, gid: $0.gid) } ?? FolderOwner(uid: geteuid(), gid: getegid())
    }
}

/// Folders only the cluster's account may enter. The embedded cluster trusts
/// every local connection, so these permissions are what keeps other local
/// accounts out of it. Every check and change goes through a descriptor opened
/// without following symlinks: a path someone else controls can never redirect
/// a chown or chmod to another file.
enum PrivateFolder {
    enum State: Equatable {
        case privateToOwner
        case missing
        case unsafe(String)
    }

    /// Makes `path` (its parent must exist) a real folder owned by `owner`,
    /// mode 0700. Creates it, or adopts one that already belongs to orch's
    /// account or to `owner` (older orch versions left these 0755); refuses
    /// anything else.
    static func ensure(_ path: String, owner: FolderOwner, what: String) throws {
        if mkdir(path, 0o700) != 0 && errno != EEXIST {
            throw failure("cannot create \(what) \(path)", errno)
        }
        let fd = try openFolder(path, what: what)
        defer { close(fd) }
        let st = try status(fd, path)
        guard st.st_uid == geteuid() || st.st_uid == owner.uid else {
            throw PostgresSetupError.embedded("""
            \(what) \(path) belongs to \(userName(st.st_uid)), not to \(userName(owner.uid)): someone else made it, \
            so orch will not use it.
              Check what it holds, remove it, and run again.
            """)
        }
        // Narrow the mode first, then hand it over: at no point is it open to others.
        if st.st_mode & 0o7777 != 0o700, fchmod(fd, 0o700) != 0 {
            throw failure("cannot make \(what) \(path) private (chmod 0700)", errno)
        }
        if st.st_uid != owner.uid, fchown(fd, owner.uid, owner.gid) != 0 {
            throw failure("cannot give \(what) \(path) to \(userName(owner.uid))", errno)
        }
    }

    /// Whether `path` is a real folder owned by `owner` with mode 0700. Used
    /// for folders in shared places (/tmp), which orch never adopts or fixes:
    /// whatever is wrong there may have been planted.
    static func state(of path: String, owner: FolderOwner) -> State {
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
        guard fd >= 0 else {
            let code = errno
            if code == ENOENT { return .missing }
            if code == ELOOP || code == ENOTDIR { return .unsafe("it is a symbolic link or not a folder") }
            return .unsafe(String(cString: strerror(code)))
        }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { return .unsafe(String(cString: strerror(errno))) }
        if st.st_uid != owner.uid { return .unsafe("it belongs to \(userName(st.st_uid)), not \(userName(owner.uid))") }
        if st.st_mode & 0o7777 != 0o700 { return .unsafe("its mode is \(String(st.st_mode & 0o7777, radix: 8)), not 700") }
        return .privateToOwner
    }

    /// A new folder `<prefix>XXXXXX` with a random suffix. mkdtemp creates it
    /// 0700 and never returns an existing folder, so nobody can have planted it.
    static func makeTemporary(prefix: String, owner: FolderOwner) throws -> String {
        var template = Array((prefix + "XXXXXX").utf8CString)
        let made = template.withUnsafeMutableBufferPointer { buffer in mkdtemp(buffer.baseAddress!).map { String(cString: $0) } }
        guard let path = made else { throw failure("cannot create a socket folder \(prefix)XXXXXX", errno) }
        let fd = try openFolder(path, what: "socket folder")
        defer { close(fd) }
        if owner.uid != geteuid(), fchown(fd, owner.uid, owner.gid) != 0 {
            throw failure("cannot give socket folder \(path) to \(userName(owner.uid))", errno)
        }
        return path
    }

    private static func openFolder(_ path: String, what: String) throws -> Int32 {
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
        guard fd >= 0 else {
            let code = errno
            guard code == ELOOP || code == ENOTDIR else { throw failure("cannot open \(what) \(path)", code) }
            throw PostgresSetupError.embedded("""
            \(what) \(path) is a symbolic link or not a folder, so orch will not use it.
              Check what it is, remove it, and run again.
            """)
        }
        return fd
    }

    private static func status(_ fd: Int32, _ path: String) throws -> stat {
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw failure("cannot stat \(path)", errno) }
        return st
    }

    static func userName(_ uid: uid_t) -> String {
        guard let pw = getpwuid(uid) else { return "uid \(uid)" }
        return "user `\(String(cString: pw.pointee.pw_name))` (uid \(uid))"
    }

    static func failure(_ what: String, _ code: Int32) -> PostgresSetupError {
        .embedded("\(what): \(String(cString: strerror(code)))")
    }
}
