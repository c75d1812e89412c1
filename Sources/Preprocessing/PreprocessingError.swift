internal import FileFormats

/// Why a preprocessing step refused its input.
public enum PreprocessingError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The table has no column with this name.
    case unknownColumn(String, available: [String])
    /// A column that must be numeric holds text; `firstBadCell` is its first non-numeric cell when the
    /// table was read from a file.
    case notNumeric(column: String, firstBadCell: CSVLocation?, text: String)
    /// An argument is out of its domain (the message says which and why).
    case invalidArgument(String)
    /// The data's shape does not fit the operation.
    case shapeMismatch(expected: String, found: [Int])
    /// `transform` was called on a scaler that has not been fitted.
    case notFitted(String)

    /// A one-line message; names and cells have invisible characters shown as `<U+XXXX>`, and a long
    /// list of column names is cut short (the first ones and the count).
    public var description: String {
        switch self {
        case let .unknownColumn(name, available):
            "no column named '\(displayed(name))'; " + PreprocessingError.listing(available)
        case let .notNumeric(column, location, text):
            (location.map { "\($0): " } ?? "")
                + "expected a number in column '\(displayed(column))', found '\(displayed(text))'"
        case let .invalidArgument(message): message
        case let .shapeMismatch(expected, found): "expected \(expected), found shape \(found)"
        case let .notFitted(what): "\(what) must be fitted before it can transform data"
        }
    }

    /// "the columns are a, b, c", or for many columns the first ten and how many there are in all.
    static func listing(_ names: [String]) -> String {
        if names.isEmpty { return "the table has no columns" }
        let shown = names.prefix(10).map { displayed($0, limit: 40) }.joined(separator: ", ")
        return names.count <= 10 ? "the columns are \(shown)" : "the \(names.count) columns are \(shown), …"
    }
}
