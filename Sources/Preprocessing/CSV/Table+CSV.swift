import Foundation

extension Table {
    /// The largest file the reader accepts: field offsets are kept as 32-bit integers.
    static let maximumCSVSize = Int(Int32.max) - 1

    /// Reads a delimited text file.
    ///
    /// The rules, in the order the reader applies them:
    ///
    /// - A UTF-8 byte-order mark (`EF BB BF`) at the very start is skipped, like pandas; anywhere else it is text.
    /// - Lines end with LF, CRLF or a lone CR. Empty lines are skipped wherever they are (before the
    ///   header, between rows, at the end) but still count in line numbers. A line holding only spaces
    ///   is not empty: it is a row with one field. (In a one-column file, write an empty cell as `""`.)
    /// - A field that starts with `"` is quoted: it may hold delimiters, line breaks and doubled quotes
    ///   (`"say ""hi"""`), and must be followed by a delimiter, a line end or the end of the file —
    ///   `"0.5"junk` throws ``CSVError/textAfterClosingQuote(_:found:)``. A quote anywhere else in a field
    ///   is an ordinary character.
    /// - Every row has as many fields as the first one. A header-only file gives a table with those
    ///   columns and no rows, like pandas; a file with no rows at all throws ``CSVError/emptyFile(path:)``.
    /// - Text cells are kept exactly as written (quotes removed, nothing trimmed).
    /// - A number is, after removing spaces and tabs (only those) around it: an optional sign, then
    ///   decimal digits with an optional `.` and fraction (`1`, `-2.5`, `.5`, `3.`), then an optional
    ///   exponent (`1e-3`, `2E+08`); or, ignoring case, `nan`, `inf` or `infinity` with an optional sign
    ///   (these are numbers, as in pandas). Hexadecimal, `1_000`, other whitespace (`\v5`) and anything
    ///   else are not numbers. Numbers are kept as `Double` like pandas, but a finite number too large
    ///   for `Float` (the models' precision: magnitude above about 3.4028235e38, such as `1e39` or
    ///   `1e999`) throws ``CSVError/numberOutOfRange(_:columnName:text:)`` instead of becoming infinity;
    ///   a number too small for `Float` rounds towards zero as it does in NumPy.
    ///
    /// A numeric column never silently holds a guess: an empty or malformed cell where a number is
    /// required throws with its file, line and column.
    ///
    /// ```swift
    /// let ecg = try Table(contentsOfCSV: url, format: CSVFormat(hasHeader: false), types: .allNumeric)
    /// ```
    ///
    /// - Throws: ``CSVError``; ``CSVError/unreadableFile(path:reason:)`` when `url` is missing, a
    ///   directory or another non-regular file, or 2 GB or larger.
    public init(contentsOfCSV url: URL, format: CSVFormat = CSVFormat(), types: ColumnTypes = .inferred)
        throws(CSVError)
    {
        let bytes = try Self.readRegularFile(atPath: url.path)
        try self.init(bytes: bytes, format: format, types: types, source: url.path)
    }

    /// Parses delimited text held in memory with the rules of ``init(contentsOfCSV:format:types:)``;
    /// `source` names it in errors.
    ///
    /// - Throws: ``CSVError``.
    public init(
        csv text: String, format: CSVFormat = CSVFormat(), types: ColumnTypes = .inferred,
        source: String = "<string>"
    ) throws(CSVError) {
        try self.init(bytes: Array(text.utf8), format: format, types: types, source: source)
    }

    /// Parses delimited bytes with the rules of ``init(contentsOfCSV:format:types:)``; `source` names
    /// them in errors.
    ///
    /// - Throws: ``CSVError``.
    public init(
        csv data: Data, format: CSVFormat = CSVFormat(), types: ColumnTypes = .inferred,
        source: String = "<data>"
    ) throws(CSVError) {
        try self.init(bytes: [UInt8](data), format: format, types: types, source: source)
    }

    /// The whole content of a regular file, its size checked before anything is allocated.
    private static func readRegularFile(atPath path: String) throws(CSVError) -> [UInt8] {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw .unreadableFile(
                path: path,
                reason: FileManager.default.fileExists(atPath: path)
                    ? "permission denied" : "no such file")
        }
        defer { try? handle.close() }
        var status = stat()
        guard fstat(handle.fileDescriptor, &status) == 0 else {
            throw .unreadableFile(path: path, reason: String(cString: strerror(errno)))
        }
        switch status.st_mode & S_IFMT {
        case S_IFREG: break
        case S_IFDIR: throw .unreadableFile(path: path, reason: "it is a directory, expected a regular file")
        default: throw .unreadableFile(path: path, reason: "it is not a regular file (a device, pipe or socket)")
        }
        let size = Int(status.st_size)
        guard size >= 0, size <= maximumCSVSize else {
            throw .unreadableFile(
                path: path, reason: "the file has \(size) bytes; files of 2 GB or more are not supported")
        }
        var bytes = [UInt8](repeating: 0, count: size)
        var filled = 0
        do {
            // Read at most `size` bytes: a file that grows while being read is read as it was when opened.
            while filled < size, let chunk = try handle.read(upToCount: Swift.min(1 << 24, size - filled)),
                !chunk.isEmpty
            {
                bytes.withUnsafeMutableBytes { target in
                    _ = chunk.copyBytes(
                        to: UnsafeMutableRawBufferPointer(rebasing: target[filled..<(filled + chunk.count)]))
                }
                filled += chunk.count
            }
        } catch {
            throw .unreadableFile(path: path, reason: (error as NSError).localizedDescription)
        }
        bytes.removeLast(size - filled)  // a file that shrank while being read
        return bytes
    }

    private init(bytes: [UInt8], format: CSVFormat, types: ColumnTypes, source: String) throws(CSVError) {
        guard let delimiter = format.delimiter.asciiValue, delimiter != CSVParser.quote,
            delimiter != CSVParser.lf, delimiter != CSVParser.cr
        else {
            throw .invalidDelimiter(format.delimiter)
        }
        guard bytes.count <= Self.maximumCSVSize else {
            throw .unreadableFile(path: source, reason: "files of 2 GB or more are not supported")
        }
        let result: Result<Table, CSVError> = bytes.withUnsafeBufferPointer { buffer in
            var parser = CSVParser(bytes: buffer, delimiter: delimiter, source: source)
            return Result { () throws(CSVError) in try parser.table(hasHeader: format.hasHeader, types: types) }
        }
        self = try result.get()
    }
}

/// A single pass over the bytes that records field boundaries, then a per-column conversion.
private struct CSVParser {
    let bytes: UnsafeBufferPointer<UInt8>
    let count: Int
    let delimiter: UInt8
    let source: String

    /// Field boundaries, row after row: start and end offsets (32-bit to halve the memory of a large
    /// file); a negative start marks a quoted field whose text (between the quotes) needs `""` unescaped.
    var starts: [Int32] = []
    var ends: [Int32] = []
    /// The line each record starts on, and the number of fields of the first record.
    var recordLines: [Int] = []
    var width = 0

    init(bytes: UnsafeBufferPointer<UInt8>, delimiter: UInt8, source: String) {
        self.bytes = bytes
        self.count = bytes.count
        self.delimiter = delimiter
        self.source = source
    }

    static let quote = UInt8(ascii: "\""), cr = UInt8(ascii: "\r"), lf = UInt8(ascii: "\n")

    mutating func table(hasHeader: Bool, types: ColumnTypes) throws(CSVError) -> Table {
        try scan()
        guard !recordLines.isEmpty else { throw .emptyFile(path: source) }
        var names: [String]
        var firstRow = 0
        if hasHeader {
            names = []
            names.reserveCapacity(width)
            var columnOf: [String: Int] = [:]
            columnOf.reserveCapacity(width)
            for column in 0..<width {
                let name = try text(record: 0, column: column)
                guard !name.isEmpty else { throw .missingColumnName(location(record: 0, column: column)) }
                if let first = columnOf.updateValue(column, forKey: name) {
                    throw .duplicateColumnName(name, location(record: 0, column: column), firstColumn: first + 1)
                }
                names.append(name)
            }
            firstRow = 1
        } else {
            names = (0..<width).map(String.init)
        }
        let rows = firstRow..<recordLines.count
        var columns: [Table.Column] = []
        columns.reserveCapacity(width)
        var firstNonNumeric: [String: Table.NonNumericCell] = [:]
        for column in 0..<width {
            let name = names[column]
            let required: Bool? =
                switch types {
                case .inferred: nil
                case .allNumeric: true
                case let .numeric(except): !except.contains(name)
                }
            var values: [Double] = []
            var failure: Int?
            var firstOutOfRange: Int?
            if required != false {
                values.reserveCapacity(rows.count)
                cells: for record in rows {
                    switch number(record: record, column: column) {
                    case let .value(value): values.append(value)
                    case .outOfRange:
                        if required == true { throw outOfRange(record: record, column: column, name: name) }
                        firstOutOfRange = firstOutOfRange ?? record  // an error unless the column turns out to be text
                        values.append(.infinity)
                    case .notANumber:
                        failure = record
                        break cells
                    }
                }
            }
            if let failure, required == true {
                throw .notANumber(
                    location(record: failure, column: column), columnName: name,
                    text: try text(record: failure, column: column))
            }
            if failure == nil && required != false {
                if let firstOutOfRange { throw outOfRange(record: firstOutOfRange, column: column, name: name) }
                columns.append(.numbers(values))
            } else {
                values = []
                var cells: [String] = []
                cells.reserveCapacity(rows.count)
                for record in rows { cells.append(try text(record: record, column: column)) }
                if let failure {
                    firstNonNumeric[name] = .init(
                        location: location(record: failure, column: column),
                        text: cells[failure - firstRow])
                }
                columns.append(.text(cells))
            }
        }
        var table = Table(validatedNames: names, columns: columns, rowCount: rows.count)
        table.firstNonNumericCell = firstNonNumeric
        return table
    }

    func location(record: Int, column: Int) -> CSVLocation {
        CSVLocation(file: source, line: recordLines[record], column: column + 1)
    }

    private func outOfRange(record: Int, column: Int, name: String) -> CSVError {
        let index = record * width + column
        let start = Int(starts[index] < 0 ? -starts[index] - 1 : starts[index])
        // The cell is a number by the grammar, so it is ASCII.
        let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<Int(ends[index])]), as: UTF8.self)
        return .numberOutOfRange(location(record: record, column: column), columnName: name, text: text)
    }

    /// Skips line ends (LF, CRLF or a lone CR), counting lines: the end of a record and any empty lines after it.
    private func skipLineEnds(_ position: inout Int, _ line: inout Int) {
        while position < count {
            if bytes[position] == Self.lf {
                position += 1
            } else if bytes[position] == Self.cr {
                position += position + 1 < count && bytes[position + 1] == Self.lf ? 2 : 1
            } else {
                return
            }
            line += 1
        }
    }

    /// Finds every field; checks that records have equal widths and quoted fields are closed and
    /// followed by a delimiter or a line end.
    mutating func scan() throws(CSVError) {
        var position = count >= 3 && bytes[0] == 0xEF && bytes[1] == 0xBB && bytes[2] == 0xBF ? 3 : 0
        var line = 1
        skipLineEnds(&position, &line)
        while position < count {
            let recordLine = line
            var fieldsInRecord = 0
            while true {
                // One field.
                if position < count && bytes[position] == Self.quote {
                    let quoteLine = line
                    position += 1
                    let start = position
                    while true {
                        guard position < count else {
                            throw .unterminatedQuote(
                                CSVLocation(file: source, line: quoteLine, column: fieldsInRecord + 1))
                        }
                        let byte = bytes[position]
                        if byte == Self.quote {
                            if position + 1 < count && bytes[position + 1] == Self.quote {
                                position += 2
                                continue
                            }
                            break
                        }
                        if byte == Self.lf
                            || (byte == Self.cr && !(position + 1 < count && bytes[position + 1] == Self.lf))
                        {
                            line += 1
                        }
                        position += 1
                    }
                    starts.append(Int32(-start - 1))
                    ends.append(Int32(position))
                    position += 1  // the closing quote
                    if position < count && bytes[position] != delimiter && bytes[position] != Self.lf
                        && bytes[position] != Self.cr
                    {
                        var stop = position
                        while stop < count && stop - position < 40 && bytes[stop] != delimiter && bytes[stop] != Self.lf
                            && bytes[stop] != Self.cr
                        { stop += 1 }
                        throw .textAfterClosingQuote(
                            CSVLocation(file: source, line: line, column: fieldsInRecord + 1),
                            found: String(
                                decoding: UnsafeBufferPointer(rebasing: bytes[position..<stop]), as: UTF8.self))
                    }
                } else {
                    let start = position
                    while position < count && bytes[position] != delimiter && bytes[position] != Self.lf
                        && bytes[position] != Self.cr
                    { position += 1 }
                    starts.append(Int32(start))
                    ends.append(Int32(position))
                }
                fieldsInRecord += 1
                // What ends the field: a delimiter (another field follows, maybe empty), a line end or the end.
                guard position < count && bytes[position] == delimiter else { break }
                position += 1
            }
            try endRecord(fields: fieldsInRecord, line: recordLine)
            skipLineEnds(&position, &line)
        }
    }

    private mutating func endRecord(fields: Int, line: Int) throws(CSVError) {
        if recordLines.isEmpty { width = fields }
        guard fields == width else {
            throw .raggedRow(
                CSVLocation(file: source, line: line, column: min(fields, width) + 1),
                expected: width, found: fields)
        }
        recordLines.append(line)
    }

    func text(record: Int, column: Int) throws(CSVError) -> String {
        let index = record * width + column
        let quoted = starts[index] < 0
        let start = Int(quoted ? -starts[index] - 1 : starts[index])
        let slice = UnsafeBufferPointer(rebasing: bytes[start..<Int(ends[index])])
        let text: String?
        if quoted && slice.contains(Self.quote) {
            // Inside a closed quoted field quotes only come in pairs: keep one of each pair.
            var unescaped: [UInt8] = []
            unescaped.reserveCapacity(slice.count)
            var i = 0
            while i < slice.count {
                unescaped.append(slice[i])
                i += slice[i] == Self.quote ? 2 : 1
            }
            text = unescaped.withUnsafeBufferPointer { String(validating: $0, as: UTF8.self) }
        } else {
            text = String(validating: slice, as: UTF8.self)
        }
        guard let text else { throw .invalidEncoding(location(record: record, column: column)) }
        return text
    }

    enum Number {
        case value(Double)
        /// Not a number by the grammar of ``Table/init(contentsOfCSV:format:types:)``.
        case notANumber
        /// A finite number whose magnitude is too large for `Float`.
        case outOfRange
    }

    /// The field as a number (see the grammar in ``Table/init(contentsOfCSV:format:types:)``).
    func number(record: Int, column: Int) -> Number {
        let index = record * width + column
        var start = Int(starts[index] < 0 ? -starts[index] - 1 : starts[index])
        var end = Int(ends[index])
        while start < end && (bytes[start] == 0x20 || bytes[start] == 0x09) { start += 1 }
        while end > start && (bytes[end - 1] == 0x20 || bytes[end - 1] == 0x09) { end -= 1 }
        guard start < end else { return .notANumber }
        var i = start
        var negative = false
        if bytes[i] == UInt8(ascii: "+") || bytes[i] == UInt8(ascii: "-") {
            negative = bytes[i] == UInt8(ascii: "-")
            i += 1
        }
        if i < end, bytes[i] | 0x20 == UInt8(ascii: "i") || bytes[i] | 0x20 == UInt8(ascii: "n") {
            if matchesIgnoringCase(i, end, "inf") || matchesIgnoringCase(i, end, "infinity") {
                return .value(negative ? -.infinity : .infinity)
            }
            return matchesIgnoringCase(i, end, "nan") ? .value(.nan) : .notANumber
        }
        var digits = 0
        while i < end && bytes[i] &- UInt8(ascii: "0") < 10 {
            i += 1
            digits += 1
        }
        if i < end && bytes[i] == UInt8(ascii: ".") {
            i += 1
            while i < end && bytes[i] &- UInt8(ascii: "0") < 10 {
                i += 1
                digits += 1
            }
        }
        guard digits > 0 else { return .notANumber }
        if i < end && bytes[i] | 0x20 == UInt8(ascii: "e") {
            i += 1
            if i < end && (bytes[i] == UInt8(ascii: "+") || bytes[i] == UInt8(ascii: "-")) { i += 1 }
            var exponentDigits = 0
            while i < end && bytes[i] &- UInt8(ascii: "0") < 10 {
                i += 1
                exponentDigits += 1
            }
            guard exponentDigits > 0 else { return .notANumber }
        }
        guard i == end else { return .notANumber }
        // strtod on a terminated copy: after the field may come bytes that would extend the number
        // (a delimiter such as `e` or `5`).
        // Out of range means the literal itself, correctly rounded to `Float` (strtof), is infinite:
        // only checked for the rare values above the largest `Float`.
        let length = end - start
        return withUnsafeTemporaryAllocation(of: CChar.self, capacity: length + 1) { buffer in
            for k in 0..<length { buffer[k] = CChar(bitPattern: bytes[start + k]) }
            buffer[length] = 0
            let value = strtod(buffer.baseAddress!, nil)
            if value.magnitude > Double(Float.greatestFiniteMagnitude) && strtof(buffer.baseAddress!, nil).isInfinite {
                return .outOfRange
            }
            return .value(value)
        }
    }

    /// Whether the bytes `start..<end` spell `word` (lowercase ASCII), ignoring case.
    private func matchesIgnoringCase(_ start: Int, _ end: Int, _ word: StaticString) -> Bool {
        guard end - start == word.utf8CodeUnitCount else { return false }
        let letters = UnsafeBufferPointer(start: word.utf8Start, count: word.utf8CodeUnitCount)
        for k in 0..<letters.count where bytes[start + k] | 0x20 != letters[k] { return false }
        return true
    }
}
