import Foundation
import Preprocessing
import Tensor
import Testing

/// Seeded fuzzing of the CSV reader: generated tables (random quoting, line ends, empty lines, headers,
/// numbers in many formats) and mutations of them (truncation, byte flips, inserted quotes, delimiters,
/// NULs, invalid UTF-8, huge fields, many columns). Every input must be read in well under a second and
/// give either the very table, or the very error (case and location), that an independent reference
/// reader written below produces.
@Suite struct CSVFuzzTests {
    @Test func readerAgreesWithAReferenceReaderOnEveryInput() throws {
        var generator = FuzzBudget.generator(0xC5F)
        let count = FuzzBudget.count(2_000)
        var tables = 0
        var rejected = 0
        var slowest = 0.0
        var total = 0.0
        var failures = 0
        var errorKinds: [String: Int] = [:]
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "rek-csv-fuzz-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        for index in 0..<count {
            let input = CSVFuzzInput.make(using: &generator)
            // Read through the Data, String or file entry point.
            let path = directory.appendingPathComponent("input.csv").path
            let way = Int.random(in: 0..<100, using: &generator)
            let source =
                way < 3
                ? path : (way < 20 && String(validating: input.bytes, as: UTF8.self) != nil ? "<string>" : "<data>")
            var outcome: Result<Table, CSVError>!
            if source == path { _ = FileManager.default.createFile(atPath: path, contents: Data(input.bytes)) }
            let run = timed {
                outcome = Result { () throws(CSVError) in
                    switch source {
                    case path:
                        try Table(contentsOfCSV: URL(fileURLWithPath: path), format: input.format, types: input.types)
                    case "<string>":
                        try Table(
                            csv: String(decoding: input.bytes, as: UTF8.self), format: input.format,
                            types: input.types)
                    default: try Table(csv: Data(input.bytes), format: input.format, types: input.types)
                    }
                }
            }
            slowest = max(slowest, run.seconds)
            total += run.seconds
            let reference = ReferenceCSV.read(
                input.bytes, delimiter: input.format.delimiter.asciiValue!,
                hasHeader: input.format.hasHeader, types: input.types, source: source)
            var problems: [String] = []
            if run.seconds > 1 { problems.append("took \(run.seconds) s (a hang)") }
            if let intended = input.intendedRecords, reference.records != intended {
                problems.append(
                    "the reference tokenizer disagrees with the generator: \(reference.records) vs \(intended)")
            }
            switch (outcome!, reference.outcome) {
            case let (.success(table), .success(expected)):
                tables += 1
                problems += compare(table, expected)
            case let (.failure(error), .failure(expected)):
                rejected += 1
                errorKinds[Mirror(reflecting: error).children.first?.label ?? "\(error)", default: 0] += 1
                if error != expected { problems.append("error \(error) but the reference says \(expected)") }
                if error.description.unicodeScalars.contains(where: {
                    $0.properties.generalCategory == .control
                        || $0.properties.generalCategory == .format
                }) {
                    problems.append("the message shows an invisible character: \(error.description.debugDescription)")
                }
            case let (.success(table), .failure(expected)):
                problems.append("read \(table.rowCount)×\(table.columnNames.count) but the reference says \(expected)")
            case let (.failure(error), .success(expected)):
                problems.append("error \(error) but the reference reads \(expected.rows)×\(expected.names.count)")
            }
            if !problems.isEmpty {
                failures += 1
                let shown = input.bytes.count > 600 ? Array(input.bytes.prefix(600)) : input.bytes
                Issue.record(
                    """
                    CSV fuzz input \(index) (seed \(FuzzBudget.seed), \(input.bytes.count) bytes, \(input.format), \
                    \(input.types), via \(source)): \(problems.joined(separator: "; "))
                    bytes: \(String(decoding: shown, as: UTF8.self).debugDescription)
                    """)
                if failures >= 5 { break }
            }
        }
        let kinds = errorKinds.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
        print(
            "CSV fuzz: \(count) inputs (seed \(FuzzBudget.seed), scale \(FuzzBudget.scale)): \(tables) read as tables, "
                + "\(rejected) rejected with typed errors (\(kinds)); \(failures) failures; reading took \(String(format: "%.2f", total)) s, the slowest input \(String(format: "%.3f", slowest)) s"
        )
        if failures == 0 {
            #expect(
                tables > count / 4 && rejected > count / 4, "the generator should give both valid and invalid inputs")
        }
    }

    /// Differences between the table read and the reference's, cell by cell (NaN equals NaN).
    private func compare(_ table: Table, _ expected: ReferenceCSV.Table) -> [String] {
        guard table.columnNames == expected.names else { return ["names \(table.columnNames) vs \(expected.names)"] }
        guard table.rowCount == expected.rows else { return ["\(table.rowCount) rows vs \(expected.rows)"] }
        var problems: [String] = []
        for (j, name) in expected.names.enumerated() {
            switch (table.columns[j], expected.columns[j]) {
            case let (.numbers(values), .numbers(reference)):
                if values.count != reference.count
                    || zip(values, reference).contains(where: {
                        $0.isNaN ? !$1.isNaN : $0.bitPattern != $1.bitPattern
                    })
                {
                    problems.append("column \(j) numbers \(values) vs \(reference)")
                }
            case let (.text(cells), .text(reference, firstBad)):
                if cells != reference { problems.append("column \(j) text \(cells) vs \(reference)") }
                let expectedError = PreprocessingError.notNumeric(
                    column: name, firstBadCell: firstBad?.location,
                    text: firstBad?.text ?? reference.first ?? "")
                do {
                    _ = try table.numbers(name)
                    problems.append("column \(j) is text but numbers() does not throw")
                } catch {
                    if error != expectedError { problems.append("column \(j): \(error) vs \(expectedError)") }
                }
            default:
                problems.append("column \(j) is \(table.columns[j]) but the reference has \(expected.columns[j])")
            }
        }
        return problems
    }
}

// MARK: - Inputs

/// One fuzz input: bytes, how to read them, and (for an unmutated generated table) the fields written.
struct CSVFuzzInput {
    var bytes: [UInt8]
    var format: CSVFormat
    var types: ColumnTypes
    /// The records as the generator wrote them, when no mutation touched the bytes.
    var intendedRecords: [[String]]?

    static func make<G: RandomNumberGenerator>(using g: inout G) -> CSVFuzzInput {
        let kind = Int.random(in: 0..<100, using: &g)
        let delimiters: [Character] = [",", ",", ",", ",", ";", "\t", "|", " ", "e", ":"]
        let delimiter = delimiters.randomElement(using: &g)!
        var writer = Writer(delimiter: UInt8(ascii: delimiter.unicodeScalars.first!), generator: g)
        let width: Int
        let rows: Int
        switch kind {
        case 0..<5: (width, rows) = (Int.random(in: 100...1_000, using: &g), Int.random(in: 0...3, using: &g))
        default: (width, rows) = (Int.random(in: 1...7, using: &g), Int.random(in: 0...12, using: &g))
        }
        let hasHeader = Bool.random(using: &g)
        let (records, names) = writer.table(width: width, rows: rows, header: hasHeader)
        var bytes = writer.write(records)
        g = writer.generator
        var intended: [[String]]? = records
        if kind >= 5 && kind < 10 {
            bytes = hugeField(into: bytes, delimiter: writer.delimiter, using: &g)
            intended = nil
        } else if kind >= 10 && kind < 15 {
            bytes = noise(using: &g)
            intended = nil
        } else if kind >= 15 && kind < 55 {
            for _ in 0..<Int.random(in: 1...3, using: &g) {
                bytes = mutate(bytes, delimiter: writer.delimiter, using: &g)
            }
            intended = nil
        }
        // Read mostly with the header setting it was written with, sometimes the other one.
        let readsHeader = Int.random(in: 0..<10, using: &g) == 0 ? !hasHeader : hasHeader
        let readNames = readsHeader ? names : (0..<width).map(String.init)
        let types: ColumnTypes
        switch Int.random(in: 0..<10, using: &g) {
        case 0, 1: types = .allNumeric
        case 2, 3, 4:  // mostly the text columns, sometimes others
            types = .numeric(
                except: Set(
                    readNames.indices.filter { writer.kinds[$0] >= 5 || Int.random(in: 0..<5, using: &g) == 0 }
                        .map { readNames[$0] }))
        default: types = .inferred
        }
        return CSVFuzzInput(
            bytes: bytes, format: CSVFormat(delimiter: delimiter, hasHeader: readsHeader), types: types,
            intendedRecords: intended)
    }

    /// Writes tables as CSV text with random quoting, line ends, empty lines and a byte-order mark.
    struct Writer<G: RandomNumberGenerator> {
        let delimiter: UInt8
        var generator: G
        /// Each column's kind of cells: 0–4 numbers, 5–6 numbers or text, 7 near-numbers, 8–9 text.
        var kinds: [Int] = []

        mutating func chance(_ percent: Int) -> Bool { Int.random(in: 0..<100, using: &generator) < percent }

        mutating func table(width: Int, rows: Int, header: Bool) -> (records: [[String]], names: [String]) {
            var names = (0..<width).map { j in chance(70) ? "c\(j)" : text(maxLength: 8) + "\(j)" }
            if width > 1 && chance(4) { names[Int.random(in: 1..<width, using: &generator)] = names[0] }
            if chance(3) { names[Int.random(in: 0..<width, using: &generator)] = "" }
            kinds = (0..<width).map { _ in Int.random(in: 0..<10, using: &generator) }
            var records: [[String]] = header ? [names] : []
            for _ in 0..<rows {
                records.append(
                    kinds.map { kind in
                        switch kind {
                        case 0..<5: chance(99) ? number() : almostNumber()
                        case 5..<7: chance(50) ? number() : text(maxLength: 12)
                        case 7: almostNumber()
                        default: text(maxLength: 20)
                        }
                    })
            }
            return (records, names)
        }

        mutating func number() -> String {
            let digits = Array("0123456789")
            func some(_ range: ClosedRange<Int>, _ g: inout G) -> String {
                String((0..<Int.random(in: range, using: &g)).map { _ in digits.randomElement(using: &g)! })
            }
            let sign = ["", "", "", "-", "+"].randomElement(using: &generator)!
            switch Int.random(in: 0..<12, using: &generator) {
            case 0: return "\(Int.random(in: -100_000...100_000, using: &generator))"
            case 1: return "\(Double.random(in: -1e4...1e4, using: &generator))"
            case 2:
                return sign + some(1...3, &generator) + "." + some(0...4, &generator)
                    + ["e", "E"].randomElement(using: &generator)! + ["", "+", "-"].randomElement(using: &generator)!
                    + ["0", "00", "5", "12", "30", "09"].randomElement(using: &generator)!
            case 3:
                return sign + ["." + some(1...3, &generator), some(1...3, &generator) + "."].randomElement(
                    using: &generator)!
            case 4: return sign + "00" + some(1...3, &generator)
            case 5:
                let word = ["inf", "infinity", "nan"].randomElement(using: &generator)!
                return sign + String(word.map { chance(50) ? Character($0.uppercased()) : $0 })
            case 6:
                let pads = ["", " ", "\t", "  ", " \t"]
                return pads.randomElement(using: &generator)! + "\(Int.random(in: -99...99, using: &generator))"
                    + pads.randomElement(using: &generator)!
            case 7 where chance(5):
                return ["1e39", "-4e38", "1e999", "3.4028236e38", "-1e400"].randomElement(using: &generator)!
            case 8:
                return ["3.4028235e38", "-3.4028234e38", "1e-50", "4.9e-324", "-0", "0.0", "1e-400"].randomElement(
                    using: &generator)!
            case 9: return sign + some(15...38, &generator) + (chance(50) ? "." + some(1...40, &generator) : "")
            case 10: return "\(Float.random(in: -1...1, using: &generator))"
            default: return "\(Double.random(in: -1e30...1e30, using: &generator))"
            }
        }

        mutating func almostNumber() -> String {
            [
                "1e", "0x1F", "1_000", "nan(1)", "..5", "1.2.3", "\u{0B}5", "5\u{0C}", "\u{A0}7", "٣", "1 2", "+-1",
                "-",
                ".", "e5", "infinit", "NA", "n/a", "", "", "1,5", "\u{FEFF}1", "1\u{0}",
            ].randomElement(using: &generator)!
        }

        mutating func text(maxLength: Int) -> String {
            let alphabet: [String] = [
                "a", "b", "Z", "x", "0", "7", " ", ".", "-", "\"", ",", ";", "\t", "\n", "\r\n",
                "\r", "é", "中", "🙂", "\u{FEFF}", "\u{200B}", "\u{0}", "\u{1B}", "e", "|", ":",
            ]
            return (0..<Int.random(in: 0...maxLength, using: &generator)).map { _ in
                alphabet.randomElement(using: &generator)!
            }
            .joined()
        }

        /// The records as CSV bytes: cells quoted when they must be (and sometimes when they need not),
        /// LF, CRLF or CR line ends, empty lines here and there, maybe a byte-order mark.
        mutating func write(_ records: [[String]]) -> [UInt8] {
            var bytes: [UInt8] = chance(10) ? [0xEF, 0xBB, 0xBF] : []
            let ends: [[UInt8]] = [[0x0A], [0x0D, 0x0A], [0x0D]]
            let fileEnd = ends.randomElement(using: &generator)!
            let mixed = chance(10)
            func lineEnd(_ writer: inout Self) -> [UInt8] {
                mixed ? ends.randomElement(using: &writer.generator)! : fileEnd
            }
            if chance(10) { bytes += lineEnd(&self) }
            for (r, record) in records.enumerated() {
                for (j, cell) in record.enumerated() {
                    if j > 0 { bytes.append(delimiter) }
                    let utf8 = Array(cell.utf8)
                    // A lone empty cell would be an empty line, which the reader skips, and a byte-order
                    // mark starting the file would be skipped too: quote them.
                    let mustQuote =
                        utf8.contains(where: { $0 == delimiter || $0 == 0x22 || $0 == 0x0A || $0 == 0x0D })
                        || (record.count == 1 && utf8.isEmpty)
                        || (bytes.isEmpty && utf8.starts(with: [0xEF, 0xBB, 0xBF]))
                    if mustQuote || chance(15) {
                        bytes.append(0x22)
                        for byte in utf8 { bytes += byte == 0x22 ? [0x22, 0x22] : [byte] }
                        bytes.append(0x22)
                    } else {
                        bytes += utf8
                    }
                }
                if r < records.count - 1 || chance(70) { bytes += lineEnd(&self) }
                if chance(8) { for _ in 0..<Int.random(in: 1...3, using: &generator) { bytes += lineEnd(&self) } }
            }
            return bytes
        }
    }

    static func mutate<G: RandomNumberGenerator>(_ input: [UInt8], delimiter: UInt8, using g: inout G) -> [UInt8] {
        var bytes = input
        let position = Int.random(in: 0...bytes.count, using: &g)
        let insertions: [[UInt8]] = [
            [0x22], [delimiter], [0x0A], [0x0D], [0x0D, 0x0A], [0x00], [0xFF], [0xC3], [0xED, 0xA0, 0x80],
            [0xEF, 0xBB, 0xBF], [0x0B], [0x20], [0x22, 0x22], [0x22, 0x61], [0x31, 0x65, 0x39, 0x39, 0x39],
        ]
        switch Int.random(in: 0..<6, using: &g) {
        case 0: bytes.removeLast(bytes.count - position)
        case 1: if position < bytes.count { bytes[position] = UInt8.random(in: 0...255, using: &g) }
        case 2: if position < bytes.count { bytes[position] ^= 1 << UInt8.random(in: 0..<8, using: &g) }
        case 3: bytes.insert(contentsOf: insertions.randomElement(using: &g)!, at: position)
        case 4:
            let end = min(bytes.count, position + Int.random(in: 1...10, using: &g))
            bytes.removeSubrange(position..<end)
        default:
            let end = min(bytes.count, position + Int.random(in: 1...30, using: &g))
            bytes.insert(contentsOf: bytes[position..<end], at: Int.random(in: 0...bytes.count, using: &g))
        }
        return bytes
    }

    /// A field of 10–50 KB (digits, text, or an unclosed quote) put into the table.
    static func hugeField<G: RandomNumberGenerator>(into input: [UInt8], delimiter: UInt8, using g: inout G) -> [UInt8]
    {
        let size = Int.random(in: 10_000...50_000, using: &g)
        let field: [UInt8]
        switch Int.random(in: 0..<4, using: &g) {
        case 0: field = [UInt8](repeating: UInt8(ascii: "9"), count: size)
        case 1:
            field =
                [UInt8(ascii: "0"), UInt8(ascii: ".")] + [UInt8](repeating: UInt8(ascii: "0"), count: size) + [0x31]
        case 2: field = [0x22] + [UInt8](repeating: 0x61, count: size)
        default: field = [0x22] + [UInt8](repeating: 0x22, count: size & ~1) + [0x22]
        }
        var bytes = input
        let newlines = bytes.indices.filter { bytes[$0] == 0x0A }
        bytes.insert(contentsOf: field, at: newlines.randomElement(using: &g).map { $0 + 1 } ?? bytes.count)
        return bytes
    }

    /// Short random bytes from the characters that matter to a CSV reader.
    static func noise<G: RandomNumberGenerator>(using g: inout G) -> [UInt8] {
        let alphabet: [UInt8] = [
            0x22, 0x2C, 0x0A, 0x0D, 0x61, 0x31, 0x20, 0x2E, 0x65, 0x2D, 0xFF, 0x00, 0xEF, 0xBB, 0xBF, 0x09,
        ]
        return (0..<Int.random(in: 0...40, using: &g)).map { _ in alphabet.randomElement(using: &g)! }
    }
}

// MARK: - The reference reader

/// An independent reader of the documented CSV rules: a character-level RFC 4180 state machine, a
/// hand-written UTF-8 validator and a strict number grammar. It shares no code with `Preprocessing`.
enum ReferenceCSV {
    enum Column: CustomStringConvertible {
        case numbers([Double])
        case text([String], firstBad: (location: CSVLocation, text: String)?)

        var description: String {
            switch self {
            case let .numbers(values): "numbers \(values)"
            case let .text(cells, _): "text \(cells)"
            }
        }
    }

    struct Table {
        var names: [String]
        var columns: [Column]
        var rows: Int
    }

    struct Outcome {
        /// The fields of each record, decoded leniently (for comparing with the generator).
        var records: [[String]]
        var outcome: Result<Table, CSVError>
    }

    private enum State { case lineStart, fieldStart, unquoted, quoted, quoteInQuoted }

    private struct Field {
        var bytes: [UInt8]
        var quoted: Bool
    }

    static func read(_ input: [UInt8], delimiter: UInt8, hasHeader: Bool, types: ColumnTypes, source: String) -> Outcome
    {
        var records: [[Field]] = []
        var lines: [Int] = []
        let outcome = Result { () throws(CSVError) -> Table in
            try tokenize(input, delimiter: delimiter, source: source, records: &records, lines: &lines)
            return try type(records, lines: lines, hasHeader: hasHeader, types: types, source: source)
        }
        return Outcome(records: records.map { $0.map { String(decoding: $0.bytes, as: UTF8.self) } }, outcome: outcome)
    }

    /// Splits the bytes into records of fields, one byte at a time.
    private static func tokenize(
        _ input: [UInt8], delimiter: UInt8, source: String,
        records: inout [[Field]], lines: inout [Int]
    ) throws(CSVError) {
        var i = input.starts(with: [0xEF, 0xBB, 0xBF]) ? 3 : 0
        var state = State.lineStart
        var line = 1
        var quoteLine = 1
        var record: [Field] = []
        var field: [UInt8] = []
        func endRecord() throws(CSVError) {
            if let width = records.first?.count, record.count != width {
                throw .raggedRow(
                    CSVLocation(file: source, line: lines[lines.count - 1], column: min(record.count, width) + 1),
                    expected: width, found: record.count)
            }
            records.append(record)
            record = []
        }
        while true {
            let byte: UInt8? = i < input.count ? input[i] : nil
            // A line end is LF, CR LF or a lone CR, taken as one token.
            let newline = byte == 0x0A || byte == 0x0D
            let newlineLength = byte == 0x0D && i + 1 < input.count && input[i + 1] == 0x0A ? 2 : 1
            switch state {
            case .lineStart:
                guard let byte else { return }
                if newline {
                    line += 1
                    i += newlineLength
                    continue
                }
                _ = byte
                lines.append(line)
                state = .fieldStart
            case .fieldStart:
                if byte == 0x22 {
                    quoteLine = line
                    state = .quoted
                    i += 1
                } else if byte == nil || newline || byte == delimiter {
                    record.append(Field(bytes: [], quoted: false))
                    if byte == nil {
                        try endRecord()
                        return
                    }
                    if newline {
                        try endRecord()
                        line += 1
                        i += newlineLength
                        state = .lineStart
                    } else {
                        i += 1
                    }
                } else {
                    field = [byte!]
                    state = .unquoted
                    i += 1
                }
            case .unquoted:
                if byte == nil || newline || byte == delimiter {
                    record.append(Field(bytes: field, quoted: false))
                    field = []
                    if byte == nil {
                        try endRecord()
                        return
                    }
                    if newline {
                        try endRecord()
                        line += 1
                        i += newlineLength
                        state = .lineStart
                    } else {
                        i += 1
                        state = .fieldStart
                    }
                } else {
                    field.append(byte!)
                    i += 1
                }
            case .quoted:
                guard let byte else {
                    throw .unterminatedQuote(CSVLocation(file: source, line: quoteLine, column: record.count + 1))
                }
                if byte == 0x22 {
                    state = .quoteInQuoted
                    i += 1
                } else {
                    if newline {
                        field += input[i..<(i + newlineLength)]
                        line += 1
                        i += newlineLength
                    } else {
                        field.append(byte)
                        i += 1
                    }
                }
            case .quoteInQuoted:
                if byte == 0x22 {
                    field.append(0x22)
                    state = .quoted
                    i += 1
                } else if byte == nil || newline || byte == delimiter {
                    record.append(Field(bytes: field, quoted: true))
                    field = []
                    if byte == nil {
                        try endRecord()
                        return
                    }
                    if newline {
                        try endRecord()
                        line += 1
                        i += newlineLength
                        state = .lineStart
                    } else {
                        i += 1
                        state = .fieldStart
                    }
                } else {
                    var found: [UInt8] = []
                    var k = i
                    while k < input.count && found.count < 40 && ![delimiter, 0x0A, 0x0D].contains(input[k]) {
                        found.append(input[k])
                        k += 1
                    }
                    throw .textAfterClosingQuote(
                        CSVLocation(file: source, line: line, column: record.count + 1),
                        found: String(decoding: found, as: UTF8.self))
                }
            }
        }
    }

    /// Names the columns and gives each its type, in the documented order of checks.
    private static func type(
        _ records: [[Field]], lines: [Int], hasHeader: Bool, types: ColumnTypes,
        source: String
    ) throws(CSVError) -> Table {
        guard let first = records.first else { throw .emptyFile(path: source) }
        let width = first.count
        func location(_ record: Int, _ column: Int) -> CSVLocation {
            CSVLocation(file: source, line: lines[record], column: column + 1)
        }
        func string(_ record: Int, _ column: Int) throws(CSVError) -> String {
            let bytes = records[record][column].bytes
            guard isValidUTF8(bytes) else { throw .invalidEncoding(location(record, column)) }
            return String(decoding: bytes, as: UTF8.self)
        }
        var names: [String] = []
        if hasHeader {
            var seen: [String: Int] = [:]
            for column in 0..<width {
                let name = try string(0, column)
                if name.isEmpty { throw .missingColumnName(location(0, column)) }
                if let earlier = seen[name] {
                    throw .duplicateColumnName(name, location(0, column), firstColumn: earlier + 1)
                }
                seen[name] = column
                names.append(name)
            }
        } else {
            names = (0..<width).map { "\($0)" }
        }
        let dataRecords = Array((hasHeader ? 1 : 0)..<records.count)
        var columns: [Column] = []
        for column in 0..<width {
            let mustBeNumeric: Bool?
            switch types {
            case .inferred: mustBeNumeric = nil
            case .allNumeric: mustBeNumeric = true
            case let .numeric(except): mustBeNumeric = except.contains(names[column]) ? false : true
            }
            var values: [Double] = []
            var firstNonNumber: Int?
            var firstTooLarge: Int?
            if mustBeNumeric != false {
                for record in dataRecords {
                    switch parseNumber(records[record][column].bytes) {
                    case let .some(.some(value)): values.append(value)
                    case .some(.none):
                        if mustBeNumeric == true {
                            throw .numberOutOfRange(
                                location(record, column), columnName: names[column],
                                text: String(decoding: records[record][column].bytes, as: UTF8.self))
                        }
                        if firstTooLarge == nil { firstTooLarge = record }
                    case .none:
                        if mustBeNumeric == true {
                            throw .notANumber(
                                location(record, column), columnName: names[column],
                                text: try string(record, column))
                        }
                        if firstNonNumber == nil { firstNonNumber = record }
                    }
                    if firstNonNumber != nil { break }
                }
            }
            if mustBeNumeric != false && firstNonNumber == nil {
                if let firstTooLarge {
                    throw .numberOutOfRange(
                        location(firstTooLarge, column), columnName: names[column],
                        text: String(decoding: records[firstTooLarge][column].bytes, as: UTF8.self))
                }
                columns.append(.numbers(values))
            } else {
                var cells: [String] = []
                for record in dataRecords { cells.append(try string(record, column)) }
                columns.append(
                    .text(cells, firstBad: firstNonNumber.map { (location($0, column), try! string($0, column)) }))
            }
        }
        return Table(names: names, columns: columns, rows: dataRecords.count)
    }

    /// `nil`: not a number; `.some(nil)`: a finite number too large for Float; otherwise the value.
    /// The field's bytes are unescaped here: a `"` in them makes them text, as it does in the raw field.
    static func parseNumber(_ bytes: [UInt8]) -> Double?? {
        var text = bytes[...]
        while let b = text.first, b == 0x20 || b == 0x09 { text = text.dropFirst() }
        while let b = text.last, b == 0x20 || b == 0x09 { text = text.dropLast() }
        guard !text.isEmpty, text.allSatisfy({ $0 < 0x80 }) else { return nil }
        let string = String(decoding: text, as: UTF8.self)
        let unsigned = string.first == "+" || string.first == "-" ? String(string.dropFirst()) : string
        switch unsigned.lowercased() {
        case "inf", "infinity": return .some(string.first == "-" ? -.infinity : .infinity)
        case "nan": return .some(.nan)
        default: break
        }
        // sign? digits* ("." digits*)? with a digit somewhere, then (e sign? digits+)?
        enum Part { case start, signed, integer, point, fraction, e, exponentSign, exponent }
        var part = Part.start
        var sawDigit = false
        for character in string {
            let digit = character.isASCII && character.isNumber
            switch (part, character) {
            case (.start, "+"), (.start, "-"): part = .signed
            case (.start, _) where digit, (.signed, _) where digit, (.integer, _) where digit:
                part = .integer
                sawDigit = true
            case (.start, "."), (.signed, "."), (.integer, "."): part = .point
            case (.point, _) where digit, (.fraction, _) where digit:
                part = .fraction
                sawDigit = true
            case (.integer, "e"), (.integer, "E"), (.point, "e"), (.point, "E"), (.fraction, "e"), (.fraction, "E"):
                guard sawDigit else { return nil }
                part = .e
            case (.e, "+"), (.e, "-"): part = .exponentSign
            case (.e, _) where digit, (.exponentSign, _) where digit, (.exponent, _) where digit: part = .exponent
            default: return nil
            }
        }
        guard sawDigit, part != .e, part != .exponentSign, part != .signed else { return nil }
        guard let single = Float(string), let double = Double(string) else { return nil }
        return single.isInfinite ? .some(nil) : .some(double)
    }

    /// Strict UTF-8: no overlong forms, surrogates or code points above U+10FFFF.
    static func isValidUTF8(_ bytes: [UInt8]) -> Bool {
        var i = 0
        while i < bytes.count {
            let lead = bytes[i]
            let (length, minimum): (Int, UInt32) =
                switch lead {
                case 0x00...0x7F: (1, 0)
                case 0xC2...0xDF: (2, 0x80)
                case 0xE0...0xEF: (3, 0x800)
                case 0xF0...0xF4: (4, 0x10000)
                default: (0, 0)
                }
            guard length > 0, i + length <= bytes.count else { return false }
            var scalar = UInt32(lead) & (length == 1 ? 0x7F : UInt32(0xFF) >> (length + 1))
            for k in 1..<length {
                guard bytes[i + k] & 0xC0 == 0x80 else { return false }
                scalar = scalar << 6 | UInt32(bytes[i + k] & 0x3F)
            }
            guard scalar >= minimum, scalar <= 0x10FFFF, !(0xD800...0xDFFF).contains(scalar) else { return false }
            i += length
        }
        return true
    }
}
