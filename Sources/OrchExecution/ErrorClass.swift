/// Why an attempt failed, in one word: grouping in reports and alerts, and
/// the `error_class` column. The raw value is what is stored and printed
/// (`sql_error`, `http_503`, …), so the database and the JSON read as before.
/// Text this build does not know (written by another orch version, or a new
/// kind) is kept as `.other`, never refused: a stored row must always load.
public enum ErrorClass: Sendable, Hashable {
    // Outcomes the executor and the store decide.
    case timeout, cancelled, crashed, internalError, logWrite
    // Commands.
    case exitCode, signal, spawn
    // The warehouse.
    case connection, sqlError, compile, testError, testFailed
    // Files and data.
    case missingFile, header, csvSyntax, badRows, features, catalog
    // HTTP.
    case httpTransport, httpTooLarge, badJSON
    /// An HTTP answer with this status code (`http_503`).
    case http(status: Int)
    case other(String)

    /// Every case without a payload, to read stored text back.
    public static let named: [ErrorClass] = [
        .timeout, .cancelled, .crashed, .internalError, .logWrite, .exitCode, .signal, .spawn, .connection, .sqlError, .compile,
        .testError, .testFailed, .missingFile, .header, .csvSyntax, .badRows, .features, .catalog, .httpTransport,
        .httpTooLarge, .badJSON,
    ]
    private static let byText = Dictionary(uniqueKeysWithValues: named.map { ($0.rawValue, $0) })
}

extension ErrorClass: RawRepresentable {
    /// Never nil: unknown text becomes `.other`.
    public init(rawValue: String) {
        if let known = Self.byText[rawValue] {
            self = known
        } else if rawValue.hasPrefix("http_"), let status = Int(rawValue.dropFirst(5)), String(status) == rawValue.dropFirst(5) {
            self = .http(status: status)
        } else {
            self = .other(rawValue)
        }
    }

    public var rawValue: String {
        switch self {
        case let .http(status): return "http_\(status)"
        case let .other(text): return text
        // Spelled out (no lookup): RawRepresentable's `==` and hashing compare raw values.
        case .timeout: return "timeout"
        case .cancelled: return "cancelled"
        case .crashed: return "crashed"
        case .internalError: return "internal"
        case .logWrite: return "log_write"
        case .exitCode: return "exit_code"
        case .signal: return "signal"
        case .spawn: return "spawn"
        case .connection: return "connection"
        case .sqlError: return "sql_error"
        case .compile: return "compile"
        case .testError: return "test_error"
        case .testFailed: return "test_failed"
        case .missingFile: return "missing_file"
        case .header: return "header"
        case .csvSyntax: return "csv_syntax"
        case .badRows: return "bad_rows"
        case .features: return "features"
        case .catalog: return "catalog"
        case .httpTransport: return "http_transport"
        case .httpTooLarge: return "http_too_large"
        case .badJSON: return "bad_json"
        }
    }
}

extension ErrorClass: CustomStringConvertible, Codable {
    public var description: String { rawValue }

    public init(from decoder: any Decoder) throws {
        self.init(rawValue: try decoder.singleValueContainer().decode(String.self))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }
}
