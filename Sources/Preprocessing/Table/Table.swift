internal import FileFormats
import Tensor

/// A small column-oriented table: named columns of numbers (`Double`, as pandas reads them) or text.
///
/// Read one from CSV with ``init(contentsOfCSV:format:types:)``, drop or select columns by name,
/// pull out a label column and turn the rest into a `[rows, columns]` `Float` tensor:
///
/// ```swift
/// let table = try Table(contentsOfCSV: url, types: .numeric(except: ["time"]))
/// let features = try table.dropping(["time", "y", "x28", "x61"]).tensor()
/// let labels = try table.numbers("y")
/// ```
public struct Table: Sendable, Equatable {
    /// One column's cells.
    public enum Column: Sendable, Equatable {
        /// Numeric cells.
        case numbers([Double])
        /// Text cells, kept exactly as written (quotes removed).
        case text([String])

        /// The number of cells.
        public var count: Int {
            switch self {
            case let .numbers(values): values.count
            case let .text(values): values.count
            }
        }

        func selecting(rows: [Int]) -> Column {
            switch self {
            case let .numbers(values): .numbers(rows.map { values[$0] })
            case let .text(values): .text(rows.map { values[$0] })
            }
        }
    }

    /// The column names, in file order.
    public private(set) var columnNames: [String]
    /// The columns, parallel to ``columnNames``.
    public private(set) var columns: [Column]
    /// The number of rows.
    public private(set) var rowCount: Int
    /// For text columns read from a file, the first cell that is not a number, so that asking for the
    /// column as numbers can say where the file breaks the expectation.
    var firstNonNumericCell: [String: NonNumericCell] = [:]

    struct NonNumericCell: Sendable, Equatable {
        var location: CSVLocation
        var text: String
    }

    /// Creates a table from named columns of equal length.
    ///
    /// - Throws: ``PreprocessingError/invalidArgument(_:)`` when the names repeat, or the counts differ.
    public init(columns: KeyValuePairs<String, Column>) throws(PreprocessingError) {
        try self.init(names: columns.map(\.key), columns: columns.map(\.value))
    }

    init(names: [String], columns: [Column]) throws(PreprocessingError) {
        var seen = Set<String>()
        seen.reserveCapacity(names.count)
        for name in names where !seen.insert(name).inserted {
            throw .invalidArgument("column names must be unique, '\(displayed(name))' appears twice")
        }
        let rowCount = columns.first?.count ?? 0
        if let bad = columns.firstIndex(where: { $0.count != rowCount }) {
            throw .invalidArgument(
                "column '\(displayed(names[bad]))' has \(columns[bad].count) rows, expected \(rowCount)")
        }
        self.init(validatedNames: names, columns: columns, rowCount: rowCount)
    }

    /// Creates a table whose names are known to be unique and columns to have `rowCount` cells.
    init(validatedNames names: [String], columns: [Column], rowCount: Int) {
        self.columnNames = names
        self.columns = columns
        self.rowCount = rowCount
    }

    /// The column with this name, or `nil`.
    public subscript(name: String) -> Column? {
        columnNames.firstIndex(of: name).map { columns[$0] }
    }

    private func index(of name: String) throws(PreprocessingError) -> Int {
        guard let index = columnNames.firstIndex(of: name) else {
            throw .unknownColumn(name, available: columnNames)
        }
        return index
    }

    /// The indices of many names at once, in linear time (a table may have tens of thousands of columns).
    private func indices(of names: [String]) throws(PreprocessingError) -> [Int] {
        var position: [String: Int] = [:]
        position.reserveCapacity(columnNames.count)
        for (index, name) in columnNames.enumerated() where position[name] == nil { position[name] = index }
        var result: [Int] = []
        result.reserveCapacity(names.count)
        for name in names {
            guard let index = position[name] else { throw .unknownColumn(name, available: columnNames) }
            result.append(index)
        }
        return result
    }

    /// The cells of a numeric column.
    ///
    /// - Throws: ``PreprocessingError/unknownColumn(_:available:)``, or
    ///   ``PreprocessingError/notNumeric(column:firstBadCell:text:)`` naming the first cell that is not a number.
    public func numbers(_ name: String) throws(PreprocessingError) -> [Double] {
        switch columns[try index(of: name)] {
        case let .numbers(values): return values
        case let .text(values):
            let bad = firstNonNumericCell[name]
            throw .notNumeric(column: name, firstBadCell: bad?.location, text: bad?.text ?? values.first ?? "")
        }
    }

    /// The cells of a column as text (numbers are formatted like Swift prints a `Double`).
    public func strings(_ name: String) throws(PreprocessingError) -> [String] {
        switch columns[try index(of: name)] {
        case let .numbers(values): values.map { "\($0)" }
        case let .text(values): values
        }
    }

    /// The table without the named columns.
    ///
    /// - Throws: ``PreprocessingError/unknownColumn(_:available:)`` when a name is not a column, so a typo
    ///   never passes silently (pandas' `drop(columns:)` behaves the same).
    public func dropping(_ names: [String]) throws(PreprocessingError) -> Table {
        _ = try indices(of: names)
        let dropped = Set(names)
        return try selecting(columnNames.filter { !dropped.contains($0) })
    }

    /// The named columns, in the given order.
    public func selecting(_ names: [String]) throws(PreprocessingError) -> Table {
        let positions = try indices(of: names)
        var table = try Table(names: names, columns: positions.map { columns[$0] })
        let selected = Set(names)
        table.firstNonNumericCell = firstNonNumericCell.filter { selected.contains($0.key) }
        return table
    }

    /// The rows at the given indices, in that order.
    public func selecting(rows: [Int]) throws(PreprocessingError) -> Table {
        if let bad = rows.first(where: { !(0..<rowCount).contains($0) }) {
            throw .invalidArgument("row \(bad) is out of range 0..<\(rowCount)")
        }
        var table = self
        table.columns = columns.map { $0.selecting(rows: rows) }
        table.rowCount = rows.count
        return table
    }

    /// Replaces (or appends) a column.
    public mutating func setColumn(_ name: String, to column: Column) throws(PreprocessingError) {
        guard column.count == rowCount || columns.isEmpty else {
            throw .invalidArgument("column '\(displayed(name))' has \(column.count) rows, the table has \(rowCount)")
        }
        firstNonNumericCell[name] = nil
        if let index = columnNames.firstIndex(of: name) {
            columns[index] = column
        } else {
            columnNames.append(name)
            columns.append(column)
            rowCount = column.count
        }
    }

    /// The numeric columns as a `[rowCount, columns]` `Float` tensor (all columns when `names` is `nil`).
    ///
    /// NaN and infinities are kept; a finite value too large for `Float` is an error, never infinity.
    ///
    /// - Throws: ``PreprocessingError/unknownColumn(_:available:)``,
    ///   ``PreprocessingError/notNumeric(column:firstBadCell:text:)`` for a text column, or
    ///   ``PreprocessingError/invalidArgument(_:)`` for a finite value outside the `Float` range.
    public func tensor(columns names: [String]? = nil) throws(PreprocessingError) -> Tensor {
        let names = names ?? columnNames
        let positions = try indices(of: names)
        let (count, overflow) = rowCount.multipliedReportingOverflow(by: names.count)
        guard !overflow else {
            throw .invalidArgument("a tensor of \(rowCount) rows and \(names.count) columns is too large")
        }
        var scalars = [Float](repeating: 0, count: count)
        for (j, name) in names.enumerated() {
            let values: [Double]
            switch columns[positions[j]] {
            case let .numbers(numbers): values = numbers
            case .text: values = try numbers(name)  // throws, naming the first non-numeric cell
            }
            for i in 0..<rowCount {
                let value = Float(values[i])
                if value.isInfinite && values[i].isFinite {
                    throw .invalidArgument(
                        "column '\(displayed(name))' row \(i) holds \(values[i]), outside the Float range")
                }
                scalars[i * names.count + j] = value
            }
        }
        return Tensor(shape: [rowCount, names.count], scalars: scalars)
    }
}
