internal import FileFormats
import Foundation

/// Where a problem sits in a delimited text file: path, 1-based line and 1-based column (field).
public struct CSVLocation: Sendable, Hashable, CustomStringConvertible {
    /// The file's path as given to the reader (or `<string>` for in-memory text).
    public var file: String
    /// The 1-based line number; a header is line 1. Every line end (LF, CRLF or a lone CR) counts,
    /// including empty lines the reader skips and line breaks inside quoted fields.
    public var line: Int
    /// The 1-based field number within the line.
    public var column: Int

    /// Creates a location.
    public init(file: String, line: Int, column: Int) {
        self.file = file
        self.line = line
        self.column = column
    }

    /// `file:line:column`, the form compilers and editors understand (invisible characters in the
    /// path shown as `<U+XXXX>`).
    public var description: String { "\(displayed(file)):\(line):\(column)" }
}

/// Why a CSV file could not be read into a ``Table``. Every case that points into the file carries
/// its ``CSVLocation``.
///
/// In ``description`` every text taken from the file or the caller (paths, names, cells) has its
/// invisible characters (controls, a byte-order mark, other format characters, whitespace other than a
/// space) shown as `<U+XXXX>`, and a long text is cut short.
public enum CSVError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The file could not be opened or read: it does not exist, is not readable, is a directory or
    /// another non-regular file, or is 2 GB or larger (`reason` says which).
    case unreadableFile(path: String, reason: String)
    /// The file holds no rows at all: it is empty or holds only empty lines (and perhaps a byte-order
    /// mark). A header without data rows is not an error: it gives a table with those columns and no rows.
    case emptyFile(path: String)
    /// A row has a different number of fields than the first row.
    case raggedRow(CSVLocation, expected: Int, found: Int)
    /// A header cell is empty.
    case missingColumnName(CSVLocation)
    /// Two header cells have the same name: the location is the second one, `firstColumn` the 1-based
    /// column of the first one.
    case duplicateColumnName(String, CSVLocation, firstColumn: Int)
    /// A quoted field is not closed before the end of the file.
    case unterminatedQuote(CSVLocation)
    /// A closing quote is followed by `found` (up to 40 bytes of it) instead of a delimiter, a line end
    /// or the end of the file, as in `"0.5"junk`. The location is the line of the closing quote.
    case textAfterClosingQuote(CSVLocation, found: String)
    /// A cell in a column that must be numeric is not a number.
    case notANumber(CSVLocation, columnName: String, text: String)
    /// A cell in a numeric column is a finite number too large for `Float` (`1e39`, `1e999`).
    case numberOutOfRange(CSVLocation, columnName: String, text: String)
    /// The text is not valid UTF-8.
    case invalidEncoding(CSVLocation)
    /// The delimiter is a quote, a newline or not a single ASCII character.
    case invalidDelimiter(Character)

    /// A one-line message naming the file, line and column and what was expected.
    public var description: String {
        switch self {
        case let .unreadableFile(path, reason): "cannot read \(displayed(path)): \(reason)"
        case let .emptyFile(path): "\(displayed(path)): the file has no rows (it is empty or holds only empty lines)"
        case let .raggedRow(location, expected, found):
            "\(location): expected \(expected) fields like the first row, found \(found)"
        case let .missingColumnName(location): "\(location): the header has an empty column name"
        case let .duplicateColumnName(name, location, firstColumn):
            "\(location): the column name '\(displayed(name))' appears twice, in columns \(firstColumn) and \(location.column)"
        case let .unterminatedQuote(location): "\(location): a quoted field is not closed before the end of the file"
        case let .textAfterClosingQuote(location, found):
            "\(location): expected a delimiter or a line end after the closing quote, found '\(displayed(found))'"
        case let .notANumber(location, columnName, text):
            "\(location): expected a number in column '\(displayed(columnName))', found '\(displayed(text))'"
        case let .numberOutOfRange(location, columnName, text):
            "\(location): the number '\(displayed(text))' in column '\(displayed(columnName))' is out of Float range "
                + "(magnitude above \(Float.greatestFiniteMagnitude))"
        case let .invalidEncoding(location): "\(location): the text is not valid UTF-8"
        case let .invalidDelimiter(character): "'\(displayed(String(character)))' cannot be a CSV delimiter"
        }
    }
}
