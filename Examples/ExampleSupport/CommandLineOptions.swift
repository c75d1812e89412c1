import Foundation

/// A small command-line parser for the example programs: `--name value` and `--flag` options,
/// `--help`, and clear errors with exit code 2 (no dependency on swift-argument-parser).
public struct CommandLineOptions {
    /// One accepted option.
    public struct Option {
        /// The option name without dashes.
        public var name: String
        /// The placeholder of its value, or `nil` for a flag.
        public var valueName: String?
        /// One line of help.
        public var help: String
        /// The value when the option is not given.
        public var defaultValue: String?

        /// An option that takes a value (`--epochs 200`); `valueName` shows in the help.
        public init(_ name: String, value valueName: String, default defaultValue: String? = nil, help: String) {
            self.name = name
            self.valueName = valueName
            self.help = help
            self.defaultValue = defaultValue
        }

        /// A flag without a value (`--quiet`).
        public init(flag name: String, help: String) {
            self.name = name
            self.help = help
        }
    }

    /// Why parsing failed.
    public enum ParseError: Error, Equatable, CustomStringConvertible {
        case unknownOption(String)
        case missingValue(option: String, expected: String)
        case invalidValue(option: String, value: String, expected: String)
        case unexpectedArgument(String)

        public var description: String {
            switch self {
            case let .unknownOption(name): "unknown option '\(name)'"
            case let .missingValue(option, expected): "option '--\(option)' needs a value (\(expected))"
            case let .invalidValue(option, value, expected): "option '--\(option)': '\(value)' is not \(expected)"
            case let .unexpectedArgument(text): "unexpected argument '\(text)'"
            }
        }
    }

    /// The program name.
    public let command: String
    /// What the program does.
    public let summary: String
    /// The accepted options.
    public let options: [Option]
    private var values: [String: String] = [:]

    /// Declares the program's options.
    public init(command: String, summary: String, options: [Option]) {
        self.command = command
        self.summary = summary
        self.options = options
    }

    /// The usage text printed by `--help`.
    public var usage: String {
        var lines = ["\(summary)", "", "USAGE: swift run -c release \(command) [options]", "", "OPTIONS:"]
        for option in options {
            let left = "  --\(option.name)" + (option.valueName.map { " <\($0)>" } ?? "")
            let right = option.help + (option.defaultValue.map { " (default: \($0))" } ?? "")
            lines.append(left.padding(toLength: max(left.count + 2, 30), withPad: " ", startingAt: 0) + right)
        }
        lines.append("  --help".padding(toLength: 30, withPad: " ", startingAt: 0) + "Show this help.")
        return lines.joined(separator: "\n")
    }

    /// Parses `arguments` (without the program name).
    public mutating func parse(_ arguments: [String]) throws(ParseError) {
        var index = 0
        while index < arguments.count {
            let argument = arguments[index]
            guard argument.hasPrefix("--") else { throw .unexpectedArgument(argument) }
            var name = String(argument.dropFirst(2))
            var inlineValue: String?
            if let equals = name.firstIndex(of: "=") {
                inlineValue = String(name[name.index(after: equals)...])
                name = String(name[..<equals])
            }
            guard let option = options.first(where: { $0.name == name }) else { throw .unknownOption(argument) }
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
                values[name] = "true"
            }
            index += 1
        }
    }

    /// Parses the process arguments; prints usage and exits 0 on `--help`, prints the error and
    /// exits 2 on a bad command line.
    public mutating func parseOrExit(_ arguments: [String] = Array(CommandLine.arguments.dropFirst())) {
        if arguments.contains("--help") || arguments.contains("-h") {
            print(usage)
            exit(0)
        }
        do {
            try parse(arguments)
        } catch {
            Self.fail(error)
        }
    }

    /// Prints a command-line error and exits with status 2.
    public static func fail(_ error: any Error) -> Never {
        FileHandle.standardError.write(Data("error: \(error)\nRun with --help to see the options.\n".utf8))
        exit(2)
    }

    /// The raw value of an option, or its default.
    public func string(_ name: String) -> String? { values[name] ?? options.first { $0.name == name }?.defaultValue }

    /// Whether a flag was given.
    public func flag(_ name: String) -> Bool { values[name] == "true" }

    /// A value converted by `transform`; exits 2 with a clear message when it does not convert.
    public func value<T>(_ name: String, as expected: String, _ transform: (String) -> T?) -> T? {
        guard let text = string(name) else { return nil }
        guard let value = transform(text) else {
            Self.fail(ParseError.invalidValue(option: name, value: text, expected: expected))
        }
        return value
    }

    /// A file option; exits 2 with a clear message when the file is not readable.
    public func readableFile(_ name: String) -> URL? {
        value(name, as: "a readable file") { FileManager.default.isReadableFile(atPath: $0) ? URL(fileURLWithPath: $0) : nil }
    }

    /// Runs an example's body; an error is printed and ends the program with status 1.
    public static func runOrExit(_ body: () throws -> Void) {
        do {
            try body()
        } catch {
            FileHandle.standardError.write(Data("error: \(error)\n".utf8))
            exit(1)
        }
    }

    /// An integer option.
    public func int(_ name: String) -> Int? { value(name, as: "an integer") { Int($0) } }

    /// A floating-point option.
    public func float(_ name: String) -> Float? { value(name, as: "a number") { Float($0) } }
}
