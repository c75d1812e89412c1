internal import FileFormats
import Foundation
import RareEventKit

/// A small command-line parser for the example programs (no dependency on swift-argument-parser).
///
/// Accepted forms: `--name value` and `--name=value` for options with a value; `--flag`, `--flag=true`
/// and `--flag=false` for flags; `--help` (or `-h`) anywhere prints the usage. Giving an option twice,
/// an unknown option, a stray argument or a value that does not convert is a ``ParseError`` (a usage
/// error: the programs print it on one line and exit with status 2). Parsing never exits the process,
/// so tests and the fuzzer call it in-process; ``CommandLineProgram/parseOrExit(_:)`` is the programs'
/// wrapper that prints and exits.
public struct CommandLineOptions: Sendable {
    /// One accepted option.
    public struct Option: Sendable {
        /// The option name without dashes.
        public var name: String
        /// The placeholder of its value, or `nil` for a flag.
        public var valueName: String?
        /// One line of help.
        public var help: String
        /// The value when the option is not given.
        public var defaultValue: String?

        /// An option that takes a value (`--epochs 200` or `--epochs=200`); `valueName` shows in the help.
        public init(_ name: String, value valueName: String, default defaultValue: String? = nil, help: String) {
            self.name = name
            self.valueName = valueName
            self.help = help
            self.defaultValue = defaultValue
        }

        /// A flag without a value (`--quiet`; `--quiet=true` and `--quiet=false` also work).
        public init(flag name: String, help: String) {
            self.name = name
            self.help = help
        }
    }

    /// Bare words a program accepts besides options (the benchmark's section names).
    public struct Positionals: Sendable {
        /// The placeholder shown in the usage line.
        public var name: String
        /// The accepted words.
        public var accepted: [String]
        /// One line of help.
        public var help: String

        /// Accepts any of `accepted` (each at most once), in any order among the options.
        public init(_ name: String, accepted: [String], help: String) {
            self.name = name
            self.accepted = accepted
            self.help = help
        }
    }

    /// A usage error: why a command line was refused. Its `description` is one line that names the
    /// option, shows the offending text (escaped and shortened if needed) and says what was expected.
    public enum ParseError: Error, Equatable, CustomStringConvertible {
        /// An option the program does not know (`--epoch`).
        case unknownOption(String)
        /// An option at the end of the line, or followed by another option, without its value.
        case missingValue(option: String, expected: String)
        /// A value that does not convert, or is out of range.
        case invalidValue(option: String, value: String, expected: String)
        /// A bare word that is not an accepted positional argument.
        case unexpectedArgument(String, expected: String?)
        /// An option given more than once.
        case duplicateOption(String)
        /// A path option whose file or folder is unusable: `problem` says what it is and what was expected.
        case unusablePath(option: String, path: String, problem: String)

        /// One line, without the `error: ` prefix.
        public var description: String {
            switch self {
            case let .unknownOption(name):
                "unknown option '\(displayed(name))' (see --help)"
            case let .missingValue(option, expected):
                "option '--\(displayed(option))' needs a value (\(expected))"
            case let .invalidValue(option, value, expected):
                "option '--\(displayed(option))': '\(displayed(value))' is not \(expected)"
            case let .unexpectedArgument(text, expected):
                "unexpected argument '\(displayed(text))'"
                    + (expected.map { "; expected \($0) or an option" } ?? "; options start with --")
            case let .duplicateOption(name):
                "option '--\(displayed(name))' is given more than once"
            case let .unusablePath(option, path, problem):
                "\(displayed(path)): \(problem) (--\(displayed(option)))"
            }
        }
    }

    /// The program name.
    public let command: String
    /// What the program does.
    public let summary: String
    /// The accepted options.
    public let options: [Option]
    /// The accepted bare words, if any.
    public let positionals: Positionals?
    private var values: [String: String] = [:]
    /// The bare words given, in order (only when ``positionals`` is set).
    public private(set) var words: [String] = []

    /// Declares the program's options (and the bare words it accepts, if any).
    public init(command: String, summary: String, options: [Option], positionals: Positionals? = nil) {
        self.command = command
        self.summary = summary
        self.options = options
        self.positionals = positionals
    }

    /// The usage text printed by `--help`.
    public var usage: String {
        let words = positionals.map { " [\($0.name) …]" } ?? ""
        var lines = ["\(summary)", "", "USAGE: swift run -c release \(command) [options]\(words)", ""]
        func row(_ left: String, _ right: String) -> String {
            left.padding(toLength: max(left.count + 2, 30), withPad: " ", startingAt: 0) + right
        }
        if let positionals {
            lines += ["ARGUMENTS:", row("  <\(positionals.name)>", positionals.help), ""]
        }
        lines.append("OPTIONS:")
        for option in options {
            let left = "  --\(option.name)" + (option.valueName.map { " <\($0)>" } ?? "")
            lines.append(row(left, option.help + (option.defaultValue.map { " (default: \($0))" } ?? "")))
        }
        lines.append(row("  --help", "Show this help."))
        lines += [
            "",
            "Values go after a space or '=' (--epochs 5, --epochs=5); flags take no value or =true/=false.",
            "Exit status: 0 success, 1 the run failed, 2 a bad command line (the error says which option).",
        ]
        return lines.joined(separator: "\n")
    }

    /// Whether `arguments` ask for the help text (`--help` or `-h`).
    public static func wantsHelp(_ arguments: [String]) -> Bool {
        arguments.contains("--help") || arguments.contains("-h")
    }

    /// Parses `arguments` (without the program name). Never exits; a bad command line throws.
    public mutating func parse(_ arguments: [String]) throws(ParseError) {
        var index = 0
        while index < arguments.count {
            let argument = arguments[index]
            guard argument.hasPrefix("--") else {
                guard let positionals else { throw .unexpectedArgument(argument, expected: nil) }
                guard positionals.accepted.contains(argument) else {
                    throw .unexpectedArgument(argument, expected: positionals.accepted.joined(separator: ", "))
                }
                guard !words.contains(argument) else { throw .duplicateOption(argument) }
                words.append(argument)
                index += 1
                continue
            }
            var name = String(argument.dropFirst(2))
            var inlineValue: String?
            if let equals = name.firstIndex(of: "=") {
                inlineValue = String(name[name.index(after: equals)...])
                name = String(name[..<equals])
            }
            guard let option = options.first(where: { $0.name == name }) else { throw .unknownOption(argument) }
            guard values[name] == nil else { throw .duplicateOption(name) }
            if let valueName = option.valueName {
                if let inlineValue {
                    values[name] = inlineValue
                } else {
                    guard index + 1 < arguments.count, !arguments[index + 1].hasPrefix("--") else {
                        throw .missingValue(option: name, expected: valueName)
                    }
                    index += 1
                    values[name] = arguments[index]
                }
            } else {
                switch inlineValue {
                case nil, "true": values[name] = "true"
                case "false": values[name] = "false"
                case let text?: throw .invalidValue(option: name, value: text, expected: "true or false (a flag)")
                }
            }
            index += 1
        }
    }

    // MARK: Reading the values

    /// The raw value of an option, or its default.
    public func string(_ name: String) -> String? { values[name] ?? options.first { $0.name == name }?.defaultValue }

    /// Whether a flag is on (`--flag` or `--flag=true`).
    public func flag(_ name: String) -> Bool { values[name] == "true" }

    /// A value converted by `transform`, `nil` when the option is absent and has no default.
    /// - Throws: ``ParseError/invalidValue(option:value:expected:)`` when `transform` returns `nil`.
    public func value<T>(_ name: String, as expected: String, _ transform: (String) -> T?) throws(ParseError) -> T? {
        guard let text = string(name) else { return nil }
        guard let value = transform(text) else { throw .invalidValue(option: name, value: text, expected: expected) }
        return value
    }

    /// An integer option in `range`; the error says "a positive integer" (or the range) when it is not.
    public func integer(_ name: String, in range: ClosedRange<Int>) throws(ParseError) -> Int? {
        try value(name, as: Self.describe(range)) { Int($0).flatMap { range.contains($0) ? $0 : nil } }
    }

    /// A seed: any integer from 0 to 2⁶⁴ − 1.
    public func seed(_ name: String) throws(ParseError) -> UInt64? {
        try value(name, as: "a non-negative integer (a seed)") { UInt64($0) }
    }

    /// A floating-point option that must be finite and in `domain` (NaN and ±inf are refused, and so
    /// is a value that overflows `T`, such as `1e39` for `Float`).
    public func number<T: BinaryFloatingPoint & LosslessStringConvertible>(
        _ name: String, _ domain: NumberDomain, as type: T.Type = T.self
    ) throws(ParseError) -> T? {
        try value(name, as: domain.expected) { Self.number($0, domain) }
    }

    /// Which finite numbers an option accepts.
    public enum NumberDomain: Sendable {
        /// Any finite number.
        case any
        /// Finite and greater than zero.
        case positive
        /// Finite and zero or more.
        case nonNegative

        /// How the error message names the domain.
        public var expected: String {
            switch self {
            case .any: "a finite number"
            case .positive: "a finite positive number"
            case .nonNegative: "a finite non-negative number"
            }
        }
    }

    /// `text` as a finite number of type `T` in `domain`, or `nil` (the one check every numeric option uses).
    public static func number<T: BinaryFloatingPoint & LosslessStringConvertible>(
        _ text: String, _ domain: NumberDomain
    ) -> T? {
        guard let value = T(text), value.isFinite else { return nil }
        switch domain {
        case .any: return value
        case .positive: return value > 0 ? value : nil
        case .nonNegative: return value >= 0 ? value : nil
        }
    }

    /// A readable regular file (`--data data.csv`): refuses a missing path, a folder, a device or pipe and
    /// an unreadable file, saying what was expected (`expected`, e.g. "a CSV file").
    public func file(_ name: String, expected: String) throws(ParseError) -> URL? {
        guard let path = string(name) else { return nil }
        guard !path.isEmpty else { throw .invalidValue(option: name, value: path, expected: "a path to \(expected)") }
        switch Self.kind(of: path) {
        case .missing: throw .unusablePath(option: name, path: path, problem: "no such file, expected \(expected)")
        case .folder: throw .unusablePath(option: name, path: path, problem: "is a directory, expected \(expected)")
        case .special:
            throw .unusablePath(option: name, path: path, problem: "is a device or pipe, expected \(expected)")
        case .file:
            guard FileManager.default.isReadableFile(atPath: path) else {
                throw .unusablePath(
                    option: name, path: path, problem: "cannot be read (permission denied), expected \(expected)")
            }
            return URL(fileURLWithPath: path)
        }
    }

    /// An existing folder holding `files` (`--data DIR`): refuses a missing path, a file, and a folder
    /// without one of `files`, saying what was expected.
    public func folder(_ name: String, expected: String, containing files: [String] = []) throws(ParseError) -> URL? {
        guard let path = string(name) else { return nil }
        guard !path.isEmpty else { throw .invalidValue(option: name, value: path, expected: "a path to \(expected)") }
        switch Self.kind(of: path) {
        case .missing: throw .unusablePath(option: name, path: path, problem: "no such directory, expected \(expected)")
        case .file, .special: throw .unusablePath(option: name, path: path, problem: "is a file, expected \(expected)")
        case .folder:
            let url = URL(fileURLWithPath: path, isDirectory: true)
            if let absent = files.first(where: {
                let file = url.appendingPathComponent($0).path
                return Self.kind(of: file) != .file || !FileManager.default.isReadableFile(atPath: file)
            }) {
                throw .unusablePath(
                    option: name, path: path, problem: "has no readable \(absent), expected \(expected)")
            }
            return url
        }
    }

    /// An output folder (`--output DIR`) that exists or can be created: refuses an empty path, a path that
    /// is an existing file, and a path below an existing file. (Whether it is writable is checked when the
    /// run starts, before any training.)
    public func outputFolder(_ name: String) throws(ParseError) -> URL? {
        guard let path = string(name) else { return nil }
        guard !path.isEmpty else { throw .invalidValue(option: name, value: path, expected: "a folder path") }
        var url = URL(fileURLWithPath: path).standardizedFileURL
        switch Self.kind(of: url.path) {
        case .folder: return URL(fileURLWithPath: path, isDirectory: true)
        case .file, .special:
            throw .unusablePath(option: name, path: path, problem: "is a file, expected a folder for the results")
        case .missing:
            // The nearest existing ancestor must be a folder.
            while url.path != "/" {
                url.deleteLastPathComponent()
                switch Self.kind(of: url.path) {
                case .missing: continue
                case .folder: return URL(fileURLWithPath: path, isDirectory: true)
                case .file, .special:
                    throw .unusablePath(
                        option: name, path: path, problem: "cannot be created: \(displayed(url.path)) is a file")
                }
            }
            return URL(fileURLWithPath: path, isDirectory: true)
        }
    }

    private enum PathKind { case missing, file, folder, special }

    /// What `path` is, following symbolic links (`special`: a device, pipe or socket).
    private static func kind(of path: String) -> PathKind {
        var info = stat()
        guard stat(path, &info) == 0 else { return .missing }
        switch info.st_mode & S_IFMT {
        case S_IFDIR: return .folder
        case S_IFREG: return .file
        default: return .special
        }
    }

    private static func describe(_ range: ClosedRange<Int>) -> String {
        let upper = range.upperBound == .max ? "" : " up to \(range.upperBound)"
        switch (range.lowerBound, range.upperBound) {
        case (1, _): return "a positive integer" + upper
        case (0, _): return "a non-negative integer" + upper
        case (.min, -1): return "a negative integer"
        case (_, -1): return "a negative integer down to \(range.lowerBound)"
        default: return "an integer from \(range.lowerBound) to \(range.upperBound)"
        }
    }

    // MARK: Exiting

    /// Prints a command-line error on one line and exits with status 2.
    public static func fail(_ error: any Error) -> Never {
        FileHandle.standardError.write(Data("error: \(oneLine(error))\n".utf8))
        exit(2)
    }

    /// Runs an example's body: a usage error found while running (a setting that does not fit the data)
    /// exits 2, any other error exits 1; either is printed as one line.
    public static func runOrExit(_ body: () throws -> Void) {
        do {
            try body()
        } catch {
            FileHandle.standardError.write(Data("error: \(oneLine(error))\n".utf8))
            exit(isUsageError(error) ? 2 : 1)
        }
    }

    /// Whether `error` is the command line's fault (exit status 2) rather than the run's (status 1).
    public static func isUsageError(_ error: any Error) -> Bool {
        if error is ParseError { return true }
        if let error = error as? ExperimentError, case .invalidSetting = error { return true }
        return false
    }

    /// `error` as one line for the terminal: Foundation file errors become `path: reason`, long lists
    /// are cut, line breaks and invisible characters are escaped.
    public static func oneLine(_ error: any Error) -> String {
        let text: String
        switch error {
        case let error as ParseError: return error.description
        case let error as ExperimentError: return error.description
        case let error as CocoaError:
            text = fileErrorMessage(
                path: error.filePath ?? error.userInfo[NSFilePathErrorKey] as? String,
                code: error.code, underlying: error.underlying)
        default:
            let bridged = error as NSError
            if bridged.domain == NSCocoaErrorDomain {
                text = fileErrorMessage(
                    path: bridged.userInfo[NSFilePathErrorKey] as? String,
                    code: CocoaError.Code(rawValue: bridged.code),
                    underlying: bridged.userInfo[NSUnderlyingErrorKey] as? any Error)
            } else if bridged.domain == NSPOSIXErrorDomain {
                text = String(cString: strerror(Int32(bridged.code)))
            } else {
                text = String(describing: error)
            }
        }
        return displayed(text, limit: 400)
    }

    private static func fileErrorMessage(path: String?, code: CocoaError.Code, underlying: (any Error)?) -> String {
        let reason: String
        if let posix = underlying as? POSIXError {
            reason = String(cString: strerror(posix.code.rawValue))
        } else if let underlying, (underlying as NSError).domain == NSPOSIXErrorDomain {
            reason = String(cString: strerror(Int32((underlying as NSError).code)))
        } else {
            switch code {
            case .fileNoSuchFile, .fileReadNoSuchFile: reason = "No such file or directory"
            case .fileReadNoPermission, .fileWriteNoPermission: reason = "Permission denied"
            case .fileWriteFileExists: reason = "File exists"
            case .fileWriteOutOfSpace: reason = "No space left on device"
            case .fileWriteVolumeReadOnly: reason = "Read-only file system"
            case .fileReadCorruptFile: reason = "the file is damaged or not in the expected format"
            default: reason = "file operation failed (code \(code.rawValue))"
            }
        }
        return path.map { "\($0): \(reason)" } ?? reason
    }
}

/// The first `limit` of `names`, then "… and N more".
func listing(_ names: [String], limit: Int = 5) -> String {
    let shown = names.prefix(limit).map { displayed($0, limit: 40) }.joined(separator: ", ")
    return names.count > limit ? "\(shown) … and \(names.count - limit) more" : shown
}

/// A program of the examples: its options, and a parser from a command line to a configuration.
public protocol CommandLineProgram {
    /// The option table (and `--help` text).
    static var commandLine: CommandLineOptions { get }
    /// The configuration a command line describes (without the program name).
    /// - Throws: ``CommandLineOptions/ParseError`` for a bad command line.
    static func parse(_ arguments: [String]) throws(CommandLineOptions.ParseError) -> Self
}

extension CommandLineProgram {
    /// Parses the process arguments; prints usage and exits 0 on `--help`, prints the error on one line
    /// and exits 2 on a bad command line.
    public static func parseOrExit(_ arguments: [String] = Array(CommandLine.arguments.dropFirst())) -> Self {
        if CommandLineOptions.wantsHelp(arguments) {
            Console.line(commandLine.usage)
            exit(0)
        }
        do {
            return try parse(arguments)
        } catch {
            CommandLineOptions.fail(error)
        }
    }
}

/// The examples' standard output: every line and the progress bar go straight to file descriptor 1 in
/// the order they are written, so a pipe or a file (`sheet-break | tee run.log`) keeps the terminal's order.
public enum Console {
    /// Writes `text` as is (unbuffered).
    @Sendable public static func write(_ text: String) {
        FileHandle.standardOutput.write(Data(text.utf8))
    }

    /// Writes `text` and a line break.
    @Sendable public static func line(_ text: String) {
        write(text + "\n")
    }
}

extension CommandLineOptions {
    /// The alarm-policy options `monitor` and `sheet-break --replay` share: `--raise-after K --of N
    /// --clear-after M --cooldown C`.
    public static let alarmPolicyOptions: [Option] = [
        .init(
            "raise-after", value: "K", default: "1",
            help: "Raise an alarm when K of the last N windows are above the threshold."),
        .init("of", value: "N", help: "The N of --raise-after, K to 64 (default: K)."),
        .init("clear-after", value: "M", default: "1", help: "Clear an alarm after M windows below the threshold."),
        .init(
            "cooldown", value: "C", default: "0",
            help: "Windows after an alarm clears before another can be raised."),
    ]

    /// The ``alarmPolicyOptions`` as an `AlarmPolicy` (raise at once, clear at once, no cooldown by default).
    ///
    /// - Throws: ``ParseError/invalidValue(option:value:expected:)`` for a value out of range.
    public func alarmPolicy() throws(ParseError) -> AlarmPolicy {
        let k = try integer("raise-after", in: 1...AlarmPolicy.maximumWindowCount) ?? 1
        let n = try integer("of", in: k...AlarmPolicy.maximumWindowCount) ?? k
        let m = try integer("clear-after", in: 1...1_000_000_000) ?? 1
        let cooldown = try integer("cooldown", in: 0...1_000_000_000) ?? 0
        do {
            return try AlarmPolicy(raiseAfter: k, of: n, clearAfter: m, cooldown: cooldown)
        } catch {
            throw .invalidValue(option: "raise-after", value: "\(k)", expected: "\(error)")
        }
    }
}
