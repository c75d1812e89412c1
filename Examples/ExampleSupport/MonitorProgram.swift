import Foundation
import RareEventKit

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The `monitor` program: runs a saved detector on rows arriving on standard input (CSV with the
/// training header, or JSON lines) and writes one JSON line per input row to standard output, flushed
/// at once, so it works behind `tail -f`, a message-queue consumer's pipe or a stream engine's
/// external-process operator.
///
/// Output lines: `{"line":12,"stream":"m7","row":10,"time":"…","score":0.0123,"above":false,"alarm":false}`
/// (`stream` with `--stream-column`, `time` with `--time-column`; `score` is `null` while the stream's
/// window fills; `"event":"raised"` or `"cleared"` when the alarm changes). A malformed row gets
/// `{"line":12,…,"error":"…"}` on standard output and one line on standard error naming the input line
/// and the problem; processing goes on. At the end of the input, or on SIGTERM or SIGINT, a summary
/// (rows, alarms, errors) goes to standard error.
public struct MonitorProgram {
    /// How input rows are written.
    public enum InputFormat: String, Sendable, CaseIterable {
        /// Comma-separated values; the first line is the header naming the columns.
        case csv
        /// One JSON object per line, keyed by column name.
        case jsonl
    }

    /// The saved detector folder (`--detector`).
    public var detectorFolder: URL
    /// The input format (`--format`).
    public var format: InputFormat = .csv
    /// The column copied to the output as `time` (`--time-column`).
    public var timeColumn: String?
    /// The column naming each row's stream (`--stream-column`); one stream when `nil`.
    public var streamColumn: String?
    /// When alarms are raised and cleared (`--raise-after`, `--of`, `--clear-after`, `--cooldown`).
    public var policy: AlarmPolicy = .immediate

    /// Creates a program for the detector in `detectorFolder`, with the default options.
    public init(detectorFolder: URL) {
        self.detectorFolder = detectorFolder
    }

    /// What a run saw.
    public struct Summary: Sendable, Equatable, CustomStringConvertible {
        /// Input rows read (not counting the CSV header).
        public var rows = 0
        /// Rows that got a score.
        public var scored = 0
        /// Alarms raised.
        public var alarms = 0
        /// Rows refused, each reported on standard error.
        public var errors = 0

        public var description: String {
            "summary: \(rows) rows, \(scored) scored, \(alarms) alarms raised, \(errors) errors"
        }
    }

    /// Reads lines from `nextLine` until it returns `nil` (or `stop()` is true), writing each output
    /// line with `output` and each error line with `errorLine`.
    ///
    /// - Throws: ``ExperimentError`` when the detector cannot be loaded or the CSV header lacks one of
    ///   its columns; nothing can be scored then.
    public func run(
        nextLine: () -> String?, output: (String) -> Void, errorLine: (String) -> Void,
        stop: () -> Bool = { false }
    ) throws -> Summary {
        let detector = try DeployedDetector(contentsOf: detectorFolder)
        let monitor = StreamingMonitor(detector: detector, policy: policy)
        var parser = RowParser(
            columns: detector.columns, timeColumn: timeColumn, streamColumn: streamColumn, format: format)
        var summary = Summary()
        var lineNumber = 0
        var values = [Float](repeating: 0, count: detector.columns.count)
        while !stop(), let rawLine = nextLine() {
            lineNumber += 1
            let line = rawLine.hasSuffix("\r") ? String(rawLine.dropLast()) : rawLine
            if format == .csv && lineNumber == 1 {
                try parser.readHeader(line)
                continue
            }
            summary.rows += 1
            var fields = RowParser.Fields()
            do {
                try parser.parse(line, into: &values, fields: &fields)
                let reading = try monitor.push(values, stream: fields.stream ?? "")
                if reading.score != nil { summary.scored += 1 }
                if reading.alarm == .raised { summary.alarms += 1 }
                output(Self.json(line: lineNumber, fields: fields, reading: reading, error: nil))
            } catch {
                summary.errors += 1
                let message = String(describing: error)
                output(Self.json(line: lineNumber, fields: fields, reading: nil, error: message))
                errorLine("line \(lineNumber): \(message)")
            }
        }
        if format == .csv && lineNumber == 0 {
            throw ExperimentError.unexpectedData(
                file: "standard input", expected: "a CSV header line", found: "no input")
        }
        return summary
    }

    /// One output line.
    static func json(line: Int, fields: RowParser.Fields, reading: MonitorReading?, error: String?) -> String {
        var text = "{\"line\":\(line)"
        if let stream = fields.stream { text += ",\"stream\":" + quoted(stream) }
        if let reading { text += ",\"row\":\(reading.row)" }
        if let time = fields.time { text += ",\"time\":" + quoted(time) }
        if let error {
            text += ",\"error\":" + quoted(error)
        } else if let reading {
            text += ",\"score\":" + (reading.score.map { $0.isFinite ? "\($0)" : quoted("\($0)") } ?? "null")
            text += ",\"above\":\(reading.isAboveThreshold),\"alarm\":\(reading.alarm.isOn)"
            if reading.alarm == .raised || reading.alarm == .cleared {
                text += ",\"event\":\"\(reading.alarm.rawValue)\""
            }
        }
        return text + "}"
    }

    /// `text` as a JSON string.
    static func quoted(_ text: String) -> String {
        var result = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": result += "\\\""
            case "\\": result += "\\\\"
            case "\n": result += "\\n"
            case "\r": result += "\\r"
            case "\t": result += "\\t"
            case _ where scalar.value < 0x20: result += String(format: "\\u%04x", scalar.value)
            default: result.unicodeScalars.append(scalar)
            }
        }
        return result + "\""
    }
}

extension MonitorProgram: CommandLineProgram {
    /// The options of `monitor` (and its `--help`).
    public static let commandLine = CommandLineOptions(
        command: "monitor",
        summary: "Scores rows from standard input with a saved detector and writes one JSON line per row.",
        options: [
            .init(
                "detector", value: "DIR",
                help: "A detector folder written by sheet-break or ecg (<output>/detector); required."),
            .init(
                "format", value: "csv|jsonl", default: "csv",
                help: "CSV with the training header, or one JSON object per line."),
            .init("time-column", value: "NAME", help: "A column copied to the output as \"time\"."),
            .init(
                "stream-column", value: "NAME", help: "A column naming each row's stream (many streams in one input)."),
        ] + CommandLineOptions.alarmPolicyOptions)

    /// The run a `monitor` command line describes (without the program name).
    /// - Throws: ``CommandLineOptions/ParseError`` for an unknown option, a missing `--detector`, a
    ///   folder without `detector.json`, or an alarm policy out of range.
    public static func parse(_ arguments: [String]) throws(CommandLineOptions.ParseError) -> MonitorProgram {
        var options = commandLine
        try options.parse(arguments)
        guard
            let folder = try options.folder(
                "detector", expected: "a detector folder (<output>/detector)",
                containing: [DeployedDetector.fileName])
        else {
            throw .missingValue(option: "detector", expected: "a detector folder (<output>/detector)")
        }
        var program = MonitorProgram(detectorFolder: folder)
        program.format = try options.value("format", as: "csv or jsonl") { InputFormat(rawValue: $0) } ?? .csv
        program.timeColumn = try options.value("time-column", as: "a column name") { $0.isEmpty ? nil : $0 }
        program.streamColumn = try options.value("stream-column", as: "a column name") { $0.isEmpty ? nil : $0 }
        program.policy = try options.alarmPolicy()
        return program
    }
}

/// Set by SIGTERM or SIGINT; the read loop stops and the summary is printed.
nonisolated(unsafe) private var stopRequested: sig_atomic_t = 0

/// Lines of standard input, read without blocking past a stop request: the reader waits for input with
/// `poll` in short slices and checks the stop flag between them, so a signal ends the program promptly
/// whichever thread the kernel delivers it to and whenever it arrives.
private struct StandardInputLines {
    private var buffer: [UInt8] = []
    private var start = 0
    private var ended = false

    /// The next line without its line break (`\n` or `\r\n`), or `nil` at the end of the input or once
    /// `stop` is true.
    mutating func next(stop: () -> Bool) -> String? {
        while true {
            if let newline = buffer[start...].firstIndex(of: UInt8(ascii: "\n")) {
                var end = newline
                if end > start, buffer[end - 1] == UInt8(ascii: "\r") { end -= 1 }
                let line = String(decoding: buffer[start..<end], as: UTF8.self)
                start = newline + 1
                return line
            }
            if ended {
                guard start < buffer.count else { return nil }
                defer { start = buffer.count }
                return String(decoding: buffer[start...], as: UTF8.self)
            }
            if stop() { return nil }
            var descriptor = pollfd(fd: STDIN_FILENO, events: Int16(POLLIN), revents: 0)
            guard poll(&descriptor, 1, 100) > 0 else { continue }  // a timeout or a signal: check the flag
            if start > 0 {
                buffer.removeFirst(start)
                start = 0
            }
            var chunk = [UInt8](repeating: 0, count: 65_536)
            let count = read(STDIN_FILENO, &chunk, chunk.count)
            if count > 0 {
                buffer.append(contentsOf: chunk[0..<count])
            } else if count == 0 || errno != EINTR {
                ended = true
            }
        }
    }
}

extension MonitorProgram {
    /// Runs on standard input and output until the input ends or SIGTERM/SIGINT arrives, then prints
    /// the summary on standard error. The input is read in slices of at most 0.1 s between checks of
    /// the signal flag, so the program stops promptly whichever thread receives the signal.
    public func runOnStandardStreams() throws -> Summary {
        var action = sigaction()
        #if canImport(Glibc)
        action.__sigaction_handler.sa_handler = { _ in stopRequested = 1 }
        #else
        action.__sigaction_u.__sa_handler = { _ in stopRequested = 1 }
        #endif
        sigemptyset(&action.sa_mask)
        action.sa_flags = 0
        sigaction(SIGTERM, &action, nil)
        sigaction(SIGINT, &action, nil)
        // A parent may start the program with these signals blocked (the mask is inherited).
        var unblock = sigset_t()
        sigemptyset(&unblock)
        sigaddset(&unblock, SIGTERM)
        sigaddset(&unblock, SIGINT)
        pthread_sigmask(SIG_UNBLOCK, &unblock, nil)
        var lines = StandardInputLines()
        let summary = try run(
            nextLine: { lines.next { stopRequested != 0 } },
            output: Console.line,
            errorLine: { FileHandle.standardError.write(Data(($0 + "\n").utf8)) },
            stop: { stopRequested != 0 })
        FileHandle.standardError.write(
            Data((summary.description + (stopRequested != 0 ? " (stopped by a signal)" : "") + "\n").utf8))
        return summary
    }
}
