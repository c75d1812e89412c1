/// How a delimited text file is laid out.
///
/// ```swift
/// let format = CSVFormat(delimiter: ";", hasHeader: false)
/// ```
public struct CSVFormat: Sendable, Hashable {
    /// The field separator, one ASCII character other than a quote or a line break (default `,`).
    public var delimiter: Character
    /// Whether the first row names the columns. Without a header the columns are named `"0"`, `"1"`, …
    /// like pandas' `header=None`.
    public var hasHeader: Bool

    /// Creates a format; the defaults read a comma-separated file with a header.
    public init(delimiter: Character = ",", hasHeader: Bool = true) {
        self.delimiter = delimiter
        self.hasHeader = hasHeader
    }
}

/// Which columns of a CSV file must hold numbers.
public enum ColumnTypes: Sendable, Hashable {
    /// A column is numeric when every cell parses as a number, text otherwise (like pandas).
    case inferred
    /// Every column must be numeric; the first cell that is not a number throws ``CSVError/notANumber(_:columnName:text:)``.
    case allNumeric
    /// Every column except the named ones must be numeric; the named ones are kept as text.
    case numeric(except: Set<String>)
}
