import Foundation

extension Table {
    /// Reads a delimited text file.
    ///
    /// Handles a header or none, any single-character delimiter, LF or CRLF line ends, a missing newline
    /// after the last row, and quoted fields (`"a, b"`, `"say ""hi"""`, line breaks inside quotes).
    /// Numbers are parsed as `Double` like pandas; a numeric column never silently holds a guess:
    /// an empty or malformed cell where a number is required throws with its file, line and column.
    ///
    /// ```swift
    /// let ecg = try Table(contentsOfCSV: url, format: CSVFormat(hasHeader: false), types: .allNumeric)
    /// ```
    ///
    /// - Throws: ``CSVError``.
    public init(contentsOfCSV url: URL, format: CSVFormat = CSVFormat(), types: ColumnTypes = .inferred) throws(CSVError) {
        // Read straight into the parser's buffer (with room for its terminator) to keep one copy in memory.
        guard let handle = FileHandle(forReadingAtPath: url.path) else {
            throw .unreadableFile(path: url.path, reason: FileManager.default.fileExists(atPath: url.path)
                                  ? "permission denied or not a regular file" : "no such file")
        }
        defer { try? handle.close() }
        var bytes: [UInt8]
        do {
            let size = Int(try handle.seekToEnd())
            try handle.seek(toOffset: 0)
            bytes = [UInt8](repeating: 0, count: size + 1)
            var filled = 0
            while filled < size, let chunk = try handle.read(upToCount: Swift.min(1 << 24, size - filled)), !chunk.isEmpty {
                bytes.withUnsafeMutableBytes { target in
                    _ = chunk.copyBytes(to: UnsafeMutableRawBufferPointer(rebasing: target[filled..<(filled + chunk.count)]))
                }
                filled += chunk.count
            }
            bytes.removeLast(size - filled)  // a file that shrank while being read; keep the terminator
        } catch {
            throw .unreadableFile(path: url.path, reason: (error as NSError).localizedDescription)
        }
        try self.init(terminatedBytes: &bytes, format: format, types: types, source: url.path)
    }

    /// Parses delimited text held in memory; `source` names it in errors.
    ///
    /// - Throws: ``CSVError``.
    public init(csv text: String, format: CSVFormat = CSVFormat(), types: ColumnTypes = .inferred,
                source: String = "<string>") throws(CSVError) {
        try self.init(csv: Data(text.utf8), format: format, types: types, source: source)
    }

    /// Parses delimited bytes; `source` names them in errors.
    ///
    /// - Throws: ``CSVError``.
    public init(csv data: Data, format: CSVFormat = CSVFormat(), types: ColumnTypes = .inferred,
                source: String = "<data>") throws(CSVError) {
        var bytes = [UInt8](data)
        bytes.append(0)
        try self.init(terminatedBytes: &bytes, format: format, types: types, source: source)
    }

    /// Parses bytes whose last element is an extra 0 (strtod needs a terminator after the last field).
    private init(terminatedBytes bytes: inout [UInt8], format: CSVFormat, types: ColumnTypes, source: String) throws(CSVError) {
        guard let delimiter = format.delimiter.asciiValue, delimiter != UInt8(ascii: "\""),
              delimiter != UInt8(ascii: "\n"), delimiter != UInt8(ascii: "\r") else {
            throw .invalidDelimiter(format.delimiter)
        }
        guard bytes.count < Int(Int32.max) else {
            throw .unreadableFile(path: source, reason: "files of 2 GB or more are not supported")
        }
        let result: Result<Table, CSVError> = bytes.withUnsafeBufferPointer { buffer in
            var parser = CSVParser(bytes: buffer, count: buffer.count - 1, delimiter: delimiter, source: source)
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

    init(bytes: UnsafeBufferPointer<UInt8>, count: Int, delimiter: UInt8, source: String) {
        self.bytes = bytes
        self.count = count
        self.delimiter = delimiter
        self.source = source
    }

    private static let quote = UInt8(ascii: "\""), cr = UInt8(ascii: "\r"), lf = UInt8(ascii: "\n")

    mutating func table(hasHeader: Bool, types: ColumnTypes) throws(CSVError) -> Table {
        try scan()
        guard !recordLines.isEmpty else { throw .emptyFile(path: source) }
        var names: [String]
        var firstRow = 0
        if hasHeader {
            names = []
            for column in 0..<width {
                let name = try text(record: 0, column: column)
                guard !name.isEmpty else { throw .missingColumnName(location(record: 0, column: column)) }
                guard !names.contains(name) else { throw .duplicateColumnName(name, location(record: 0, column: column)) }
                names.append(name)
            }
            firstRow = 1
        } else {
            names = (0..<width).map(String.init)
        }
        let rows = firstRow..<recordLines.count
        var columns: [Table.Column] = []
        var firstNonNumeric: [String: Table.NonNumericCell] = [:]
        for column in 0..<width {
            let name = names[column]
            let required: Bool? = switch types {
            case .inferred: nil
            case .allNumeric: true
            case let .numeric(except): !except.contains(name)
            }
            var values: [Double] = []
            values.reserveCapacity(rows.count)
            var failure: Int?
            if required != false {
                for record in rows {
                    guard let value = number(record: record, column: column) else { failure = record; break }
                    values.append(value)
                }
            }
            if let failure, required == true {
                throw .notANumber(location(record: failure, column: column), columnName: name,
                                  text: try text(record: failure, column: column))
            }
            if failure == nil && required != false {
                columns.append(.numbers(values))
            } else {
                var cells: [String] = []
                cells.reserveCapacity(rows.count)
                for record in rows { cells.append(try text(record: record, column: column)) }
                if let failure {
                    firstNonNumeric[name] = .init(location: location(record: failure, column: column),
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

    /// Finds every field; checks that records have equal widths and quotes are closed.
    mutating func scan() throws(CSVError) {
        var position = 0, line = 1
        var fieldsInRecord = 0
        var recordLine = 1
        while position < count {
            // One field.
            var start = position, end: Int
            if bytes[position] == Self.quote {
                let quoteLine = line
                position += 1
                start = position
                while true {
                    guard position < count else {
                        throw .unterminatedQuote(CSVLocation(file: source, line: quoteLine, column: fieldsInRecord + 1))
                    }
                    let byte = bytes[position]
                    if byte == Self.quote {
                        if position + 1 < count && bytes[position + 1] == Self.quote { position += 2; continue }
                        break
                    }
                    if byte == Self.lf { line += 1 }
                    position += 1
                }
                end = position
                position += 1  // closing quote; anything up to the delimiter is ignored like pandas
                while position < count && bytes[position] != delimiter && bytes[position] != Self.lf
                        && bytes[position] != Self.cr { position += 1 }
                starts.append(Int32(-start - 1))
            } else {
                while position < count && bytes[position] != delimiter && bytes[position] != Self.lf
                        && bytes[position] != Self.cr { position += 1 }
                end = position
                starts.append(Int32(start))
            }
            ends.append(Int32(end))
            fieldsInRecord += 1
            // What ends the field: a delimiter, a line end, or the end of the data.
            if position < count && bytes[position] == delimiter {
                position += 1
                if position == count { starts.append(Int32(position)); ends.append(Int32(position)); fieldsInRecord += 1 } else { continue }
            }
            if position < count && bytes[position] == Self.cr { position += 1 }
            if position < count && bytes[position] == Self.lf { position += 1 }
            try endRecord(fields: fieldsInRecord, line: recordLine)
            line += 1
            fieldsInRecord = 0
            // Skip blank lines, like pandas' skip_blank_lines.
            while position < count && (bytes[position] == Self.lf || bytes[position] == Self.cr) {
                if bytes[position] == Self.lf { line += 1 }
                position += 1
            }
            recordLine = line
        }
    }

    private mutating func endRecord(fields: Int, line: Int) throws(CSVError) {
        if recordLines.isEmpty { width = fields }
        guard fields == width else {
            throw .raggedRow(CSVLocation(file: source, line: line, column: min(fields, width) + 1),
                             expected: width, found: fields)
        }
        recordLines.append(line)
    }

    func text(record: Int, column: Int) throws(CSVError) -> String {
        let index = record * width + column
        let quoted = starts[index] < 0
        let start = Int(quoted ? -starts[index] - 1 : starts[index])
        let slice = UnsafeBufferPointer(rebasing: bytes[start..<Int(ends[index])])
        guard let text = String(validating: slice, as: UTF8.self) else {
            throw .invalidEncoding(location(record: record, column: column))
        }
        return quoted ? text.replacingOccurrences(of: "\"\"", with: "\"") : text
    }

    /// The field as a number, or `nil` when it is empty or not entirely a decimal number
    /// (`nan` and `inf` are numbers, as in pandas; hexadecimal is not).
    func number(record: Int, column: Int) -> Double? {
        let index = record * width + column
        var start = Int(starts[index] < 0 ? -starts[index] - 1 : starts[index])
        var end = Int(ends[index])
        while start < end && (bytes[start] == 0x20 || bytes[start] == 0x09) { start += 1 }
        while end > start && (bytes[end - 1] == 0x20 || bytes[end - 1] == 0x09) { end -= 1 }
        guard start < end else { return nil }
        for i in start..<end where bytes[i] == UInt8(ascii: "x") || bytes[i] == UInt8(ascii: "X") { return nil }
        let base = bytes.baseAddress!
        return (base + start).withMemoryRebound(to: CChar.self, capacity: end - start) { pointer in
            var stop: UnsafeMutablePointer<CChar>?
            let value = strtod(pointer, &stop)
            return stop.map { UnsafeRawPointer($0) == UnsafeRawPointer(base + end) } == true ? value : nil
        }
    }
}
