import Foundation

/// The secret values of a run, and the one function that hides them. Built
/// once per run from the environment and the pipeline's own text, applied
/// to everything orch writes (attempt records, messages, log lines orch
/// writes, reports, alerts, lineage events, the console), as CI systems mask
/// secrets: a value that may be secret is replaced by `***` wherever it appears.
public struct SecretMask: Sendable, Hashable {
    /// Longest first, so a secret that contains another is hidden whole.
    public private(set) var values: [String]

    /// Shorter values are not masked: hiding every `1` or `on` would make
    /// output unreadable while protecting nothing.
    public static let minimumLength = 4
    public static let none = SecretMask(values: [])

    public init(values: some Sequence<String>) {
        self.values = Set(values.filter { $0.count >= Self.minimumLength }).sorted { ($0.count, $0) > ($1.count, $1) }
    }

    public var isEmpty: Bool { values.isEmpty }

    /// Environment variables whose names say they hold a secret.
    public static func isSecretName(_ name: String) -> Bool {
        let upper = name.uppercased()
        return ["_KEY", "_TOKEN", "_PASSWORD", "_SECRET", "_PASS", "_PWD", "_CREDENTIALS"].contains { upper.hasSuffix($0) }
            || ["KEY", "TOKEN", "PASSWORD", "SECRET", "APIKEY", "API_KEY"].contains(upper)
    }

    /// The secrets of a run: every variable named like a secret, every
    /// variable the pipeline reads with `{{ env.X }}` (`referenced`), and the
    /// password of every URL among those values (`postgres://u:PASS@h/db`).
    public static func from(environment: [String: String], referenced: some Sequence<String>) -> SecretMask {
        var secrets: [String] = []
        for (name, value) in environment where isSecretName(name) { secrets.append(value) }
        for name in referenced { if let value = environment[name] { secrets.append(value) } }
        for value in environment.values { if let password = urlPassword(value) { secrets.append(password) } }
        return SecretMask(values: secrets)
    }

    /// `NAME` of every `{{ env.NAME }}` in `text` (a pipeline or schedule file).
    public static func referencedVariables(in text: String) -> [String] {
        var names: [String] = []
        var rest = Substring(text)
        while let open = rest.range(of: "{{") {
            guard let close = rest[open.upperBound...].range(of: "}}") else { break }
            let inner = rest[open.upperBound..<close.lowerBound].trimmingCharacters(in: .whitespaces)
            if inner.hasPrefix("env.") { names.append(String(inner.dropFirst(4))) }
            rest = rest[close.upperBound...]
        }
        return names
    }

    static func urlPassword(_ text: String) -> String? {
        guard text.contains("://"), text.contains("@"), let components = URLComponents(string: text) else { return nil }
        return components.password.flatMap { $0.removingPercentEncoding ?? $0 }
    }

    /// `text` with every secret value replaced by `***`.
    public func apply(_ text: String) -> String {
        guard !values.isEmpty, !text.isEmpty else { return text }
        var out = text
        for value in values where out.contains(value) { out = out.replacingOccurrences(of: value, with: "***") }
        return out
    }

    public func apply(_ text: String?) -> String? { text.map { apply($0) } }

    public func merged(with other: SecretMask) -> SecretMask { SecretMask(values: values + other.values) }
}
