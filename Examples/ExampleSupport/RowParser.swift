internal import FileFormats
import Foundation
import RareEventKit

/// Reads the `monitor` program's input rows: CSV lines under a header, or JSON objects, into the
/// detector's column order, with the stream id and time when asked for.
struct RowParser {
    /// Why a row is refused.
    struct Problem: Error, CustomStringConvertible {
        var description: String
    }

    /// The non-numeric fields of a row.
    struct Fields {
        var stream: String?
        var time: String?
    }

    let columns: [String]
    let timeColumn: String?
    let streamColumn: String?
    let format: MonitorProgram.InputFormat
    /// CSV: the field index of each detector column, of the time and stream columns, and the field count.
    private var positions: [Int] = []
    private var timePosition: Int?
    private var streamPosition: Int?
    private var fieldCount = 0

    init(columns: [String], timeColumn: String?, streamColumn: String?, format: MonitorProgram.InputFormat) {
        (self.columns, self.timeColumn, self.streamColumn, self.format) = (columns, timeColumn, streamColumn, format)
    }

    /// Reads the CSV header: every detector column (and the time and stream columns asked for) must be
    /// there; other columns (labels, unused sensors) are ignored.
    /// - Throws: ``ExperimentError/unexpectedData(file:expected:found:)`` naming the missing columns.
    mutating func readHeader(_ line: String) throws {
        let names = try Self.split(line).map { $0.trimmingCharacters(in: .whitespaces) }
        var index: [String: Int] = [:]
        for (i, name) in names.enumerated() where index[name] == nil { index[name] = i }
        let wanted = columns + [timeColumn, streamColumn].compactMap { $0 }
        let missing = wanted.filter { index[$0] == nil }
        guard missing.isEmpty else {
            throw ExperimentError.unexpectedData(
                file: "standard input", expected: "a CSV header naming the detector's \(columns.count) columns",
                found: "no column " + missing.prefix(5).map { "'\(displayed($0))'" }.joined(separator: ", ")
                    + (missing.count > 5 ? " (and \(missing.count - 5) more)" : "") + " in line 1")
        }
        positions = columns.map { index[$0]! }
        timePosition = timeColumn.map { index[$0]! }
        streamPosition = streamColumn.map { index[$0]! }
        fieldCount = names.count
    }

    /// Parses one row into `values` (the detector's column order).
    /// - Throws: ``Problem`` saying what is wrong (field count, a column missing or not a number).
    /// `fields` gets the stream and time whenever they can be read, even when the row is refused.
    func parse(_ line: String, into values: inout [Float], fields: inout Fields) throws {
        switch format {
        case .csv: try parseCSV(line, into: &values, fields: &fields)
        case .jsonl: try parseJSON(line, into: &values, fields: &fields)
        }
    }

    private func parseCSV(_ line: String, into values: inout [Float], fields result: inout Fields) throws {
        guard !line.isEmpty else {
            throw Problem(description: "an empty line; expected \(fieldCount) fields (as in the header)")
        }
        let fields = try Self.split(line)
        if let streamPosition, streamPosition < fields.count { result.stream = fields[streamPosition] }
        if let timePosition, timePosition < fields.count { result.time = fields[timePosition] }
        guard fields.count == fieldCount else {
            throw Problem(description: "expected \(fieldCount) fields (as in the header), found \(fields.count)")
        }
        for (j, position) in positions.enumerated() {
            values[j] = try Self.number(fields[position], column: columns[j])
        }
    }

    private func parseJSON(_ line: String, into values: inout [Float], fields result: inout Fields) throws {
        let json: StrictJSON
        do {
            json = try StrictJSON.parse(Data(line.utf8), maximumDepth: 2)
        } catch {
            throw Problem(description: "not a JSON object: \(error.description)")
        }
        guard case .object = json else { throw Problem(description: "expected a JSON object, one per line") }
        func text(_ key: String) throws -> String {
            switch json[key] {
            case let .string(value)?: return value
            case let .integer(value)?: return "\(value)"
            case let .number(value)?: return "\(value)"
            default: throw Problem(description: "key '\(displayed(key))': expected a string or a number")
            }
        }
        if let streamColumn { result.stream = try text(streamColumn) }
        if let timeColumn { result.time = try text(timeColumn) }
        for (j, column) in columns.enumerated() {
            switch json[column] {
            case let .integer(value)?: values[j] = Float(value)
            case let .number(value)?: values[j] = Float(value)
            case let .string(text)?: values[j] = try Self.number(text, column: column)
            case nil:
                throw Problem(
                    description: "no key '\(displayed(column))'; expected the detector's \(columns.count) columns")
            default: throw Problem(description: "key '\(displayed(column))': expected a number")
            }
        }
    }

    /// A field as a number (NaN and infinities parse; the monitor then refuses them by name).
    static func number(_ field: String, column: String) throws -> Float {
        let text = field.trimmingCharacters(in: .whitespaces)
        guard !text.isEmpty, let value = Float(text) else {
            throw Problem(
                description: "column '\(displayed(column))': expected a number, found '\(displayed(text, limit: 40))'")
        }
        return value
    }

    /// The fields of one CSV line (RFC 4180 quoting: `"a,b"` and `""` inside quotes).
    static func split(_ line: String) throws -> [String] {
        var fields: [String] = []
        var field = ""
        var quoted = false
        var atFieldStart = true
        var afterQuote = false
        for character in line {
            if quoted {
                if character == "\"" {
                    quoted = false
                    afterQuote = true
                } else {
                    field.append(character)
                }
                continue
            }
            switch character {
            case ",":
                fields.append(field)
                (field, atFieldStart, afterQuote) = ("", true, false)
            case "\"" where atFieldStart:
                (quoted, atFieldStart) = (true, false)
            case "\"" where afterQuote:
                field.append("\"")
                (quoted, afterQuote) = (true, false)
            default:
                guard !afterQuote else {
                    throw Problem(description: "text after a closing quote in field \(fields.count + 1)")
                }
                field.append(character)
                atFieldStart = false
            }
        }
        guard !quoted else { throw Problem(description: "a quoted field is not closed") }
        fields.append(field)
        return fields
    }
}
