import Foundation

/// Where a problem sits in a delimited text file: path, 1-based line and 1-based column (field).
public struct CSVLocation: Sendable, Hashable, CustomStringConvertible {
    /// The file's path as given to the reader (or `<string>` for in-memory text).
    public var file: String
    /// The 1-based line number; a header is line 1.
    public var line: Int
    /// The 1-based field number within the line.
    public var column: Int

    /// Creates a location.
    public init(file: String, line: Int, column: Int) {
        self.file = file
        self.line = line
        self.column = column
    }

    /// `file:line:column`, the form compilers and editors understand.
    public var description: String { "\(file):\(line):\(column)" }
}

/// Why a CSV file could not be read into a ``Table``. Every case that points into the file carries
/// its ``CSVLocation``.
public enum CSVError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The file could not be opened or read.
    case unreadableFile(path: String, reason: String)
    /// The file holds no rows at all (or only a header when a header was expected to be followed by data).
    case emptyFile(path: String)
    /// A row has a different number of fields than the first row.
    case raggedRow(CSVLocation, expected: Int, found: Int)
    /// A header cell is empty.
    case missingColumnName(CSVLocation)
    /// Two header cells have the same name.
    case duplicateColumnName(String, CSVLocation)
    /// A quoted field is not closed before the end of the file.
    case unterminatedQuote(CSVLocation)
    /// A cell in a column that must be numeric is not a number.
    case notANumber(CSVLocation, columnName: String, text: String)
    /// The text is not valid UTF-8.
    case invalidEncoding(CSVLocation)
    /// The delimiter is a quote, a newline or not a single ASCII character.
    case invalidDelimiter(Character)

    public var description: String {
        switch self {
        case let .unreadableFile(path, reason): "cannot read \(path): \(reason)"
        case let .emptyFile(path): "\(path): the file is empty, expected at least one row"
        case let .raggedRow(location, expected, found):
            "\(location): expected \(expected) fields like the first row, found \(found)"
        case let .missingColumnName(location): "\(location): the header has an empty column name"
        case let .duplicateColumnName(name, location): "\(location): the column name '\(name)' appears twice"
        case let .unterminatedQuote(location): "\(location): a quoted field is not closed before the end of the file"
        case let .notANumber(location, columnName, text):
            "\(location): expected a number in column '\(columnName)', found '\(text)'"
        case let .invalidEncoding(location): "\(location): the text is not valid UTF-8"
        case let .invalidDelimiter(character): "'\(character)' cannot be a CSV delimiter"
        }
    }
}
