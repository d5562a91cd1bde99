import Foundation

/// Reading a YAML file the user named, with errors that say what is wrong
/// with the path itself: a folder, a file that is not there, one that cannot
/// be read. No location is given, since there is no line to point at.
public enum SpecFile {
    /// The text of `path`; `what` names the file's role ("pipeline", "schedule").
    /// - Throws: `SpecError` naming the path and what to do.
    public static func read(_ path: String, what: String) throws -> String {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) else {
            throw SpecError(Diagnostic("`\(path)`: no such file", at: nil,
                                       hint: "check the path; \(what)s usually live under \(what)s/"))
        }
        if isFolder.boolValue {
            let folder = path.hasSuffix("/") ? String(path.dropLast()) : path
            throw SpecError(Diagnostic("`\(path)` is a folder; pass the \(what) files (e.g. \(folder)/*.yml)", at: nil))
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw SpecError(Diagnostic("`\(path)`: cannot be read (permission denied?)", at: nil,
                                       hint: "check the file's permissions"))
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw SpecError(Diagnostic("`\(path)` is not UTF-8 text", at: nil, hint: "save the \(what) file as UTF-8"))
        }
        return text
    }
}
