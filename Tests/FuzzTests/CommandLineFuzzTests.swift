import ExampleSupport
import Foundation
import RareEventKit
import Testing

/// Seeded random command lines for each example program's parser: known options with hostile values
/// (empty, huge, negative, NaN, inf, non-numeric, unicode, line breaks, folders, missing files), `=` forms,
/// duplicates, unknown options and stray words. Each list must either parse into a valid configuration
/// (positive counts, finite numbers, usable paths) or give a usage error described on one short line; no
/// crash, no hang (each list is timed).
@Suite struct CommandLineFuzzTests {
    /// The programs, by name (the test's argument).
    static let programs = ["sheet-break", "ecg", "fashion-mnist", "benchmark"]

    /// Files and folders the generated paths point at, made once.
    final class Paths: Sendable {
        let root: URL, file: URL, imageFolder: URL
        init() throws {
            root = FileManager.default.temporaryDirectory.appendingPathComponent("rek-cli-fuzz-\(UUID().uuidString)")
            imageFolder = root.appendingPathComponent("images")
            file = root.appendingPathComponent("data.csv")
            try FileManager.default.createDirectory(at: imageFolder, withIntermediateDirectories: true)
            try Data("time,y,x1\n0,0,1\n".utf8).write(to: file)
            for name in FashionMNISTExperiment.imageFiles {
                try Data().write(to: imageFolder.appendingPathComponent(name))
            }
        }
        var all: [String] {
            [
                root.path, file.path, imageFolder.path, root.appendingPathComponent("missing.csv").path,
                file.appendingPathComponent("below-a-file").path, root.appendingPathComponent("new/output").path,
                "/", ".", "..", "/proc/rek-nope", "relative/out", "/dev/null", "/dev/zero",
            ]
        }
        deinit { try? FileManager.default.removeItem(at: root) }
    }

    static let values = [
        "", "0", "1", "-1", "2", "-2", "5", "-5", "200", "1000000", "1000001", "10000", "10001",
        "99999999999999999999999",
        "9223372036854775807", "-9223372036854775808", "18446744073709551615", "18446744073709551616", "-100000000",
        "1e39", "1e309", "3.4e38", "-3.4e38", "1e-45", "0.5", "-0.5", "1e-3", "0x10", "0x1p-3", ".5", "5.", "+3", "-0",
        "nan", "NaN", "-nan", "nan(0x7)", "inf", "-inf", "+inf", "infinity", "abc", "🙂", "é", "٣", "\n", "a\nb", "\r",
        "\u{FEFF}5", "\u{202E}3", "\u{2028}", " 5", "5 ", "\t", "true", "false", "dense", "lstm", "basic", "denoise",
        "relu",
        "tanh", "pr-equal", "max-f1", "-", "=", "==", "--", "-h", "--help", "--quiet",
        String(repeating: "9", count: 400),
    ]

    /// One random command line for `program`.
    static func commandLine(
        _ program: String, options: CommandLineOptions, paths: [String],
        using generator: inout SeededGenerator
    ) -> [String] {
        let words = options.positionals?.accepted ?? []
        func value() -> String {
            switch Int.random(in: 0..<10, using: &generator) {
            case 0: return paths.randomElement(using: &generator)!
            case 1:
                return ["nan", "inf", "-inf", "1e309", "1e39", "-1e39", "infinity", "-nan", "0", "-0", "1e-50"]
                    .randomElement(using: &generator)!
            case 2: return String(Int.random(in: -1_000_000...1_000_000, using: &generator))
            case 3: return String(Double.random(in: -10...10, using: &generator))
            case 4:
                return String(
                    String.UnicodeScalarView(
                        (0..<Int.random(in: 0...6, using: &generator)).compactMap { _ in
                            Unicode.Scalar(UInt32.random(in: 0...0x2FFF, using: &generator))
                        }))
            default: return values.randomElement(using: &generator)!
            }
        }
        /// A value the option could well take: a word its placeholder lists, a small number, a path.
        func plausible(_ option: CommandLineOptions.Option) -> String {
            let words = (option.valueName ?? "").split(separator: "|").map(String.init)
            let word = words.randomElement(using: &generator) ?? ""
            switch word {
            case "N", "PATIENCE": return String(Int.random(in: 1...300, using: &generator))
            case "-N": return String(Int.random(in: -50 ... -1, using: &generator))
            case "LR", "STD", "K", "VALUE":
                return ["1e-3", "0.5", "2", "0", "0.25", "1", "-1"].randomElement(using: &generator)!
            case "PATH", "DIR":
                // paths[1] is a CSV file, paths[2] a folder of images, paths[5] a new output folder.
                return option.name == "output" ? paths[5] : program == "fashion-mnist" ? paths[2] : paths[1]
            default: return word
            }
        }
        // Mostly plausible arguments (distinct options), then zero to two hostile ones at random places,
        // so most lists are refused for one reason and a missing check shows up as an accepted list.
        var arguments: [String] = []
        for option in options.options.shuffled(using: &generator).prefix(Int.random(in: 0...5, using: &generator)) {
            let equals = Bool.random(using: &generator)
            if option.valueName == nil {
                arguments.append(
                    "--\(option.name)" + (equals ? ["=true", "=false"].randomElement(using: &generator)! : ""))
            } else {
                let value = plausible(option)
                arguments += equals ? ["--\(option.name)=\(value)"] : ["--\(option.name)", value]
            }
        }
        for _ in 0..<[0, 1, 1, 1, 2].randomElement(using: &generator)! {
            let option = options.options.randomElement(using: &generator)!
            var hostile: [String]
            switch Int.random(in: 0..<20, using: &generator) {
            case 0..<9:
                hostile = ["--\(option.name)"]
                if option.valueName != nil || Int.random(in: 0..<4, using: &generator) == 0 { hostile.append(value()) }
            case 9..<14: hostile = ["--\(option.name)=\(value())"]
            case 14:
                hostile = ["--\(option.name.dropLast(Int.random(in: 0...2, using: &generator)))\(value().prefix(2))"]
            case 15:
                hostile = [
                    ["--", "---", "--=", "--\(option.name.uppercased())", "-\(option.name)"].randomElement(
                        using: &generator)!
                ]
            case 16 where !words.isEmpty, 17 where !words.isEmpty: hostile = [words.randomElement(using: &generator)!]
            default: hostile = [value()]
            }
            // Between two arguments (possibly between an option and its value: also hostile).
            arguments.insert(contentsOf: hostile, at: Int.random(in: 0...arguments.count, using: &generator))
        }
        return arguments
    }

    /// Whether a parsed configuration is valid; the reason when it is not.
    static func problem(_ program: String, _ arguments: [String]) throws(CommandLineOptions.ParseError) -> String? {
        func isFile(_ url: URL) -> Bool {  // a regular file (not a folder, device or pipe)
            let attributes = try? FileManager.default.attributesOfItem(atPath: url.resolvingSymlinksInPath().path)
            return attributes?[.type] as? FileAttributeType == .typeRegular
        }
        func outputIsUsable(_ url: URL?) -> Bool {
            url.map { !FileManager.default.fileExists(atPath: $0.path) || isFolder($0) } ?? false
        }
        func isFolder(_ url: URL) -> Bool {
            var folder: ObjCBool = false
            return FileManager.default.fileExists(atPath: url.path, isDirectory: &folder) && folder.boolValue
        }
        let counts = 1...SheetBreakExperiment.maximumCount
        switch program {
        case "sheet-break":
            let e = try SheetBreakExperiment.parse(arguments)
            if let epochs = e.epochs, !counts.contains(epochs) { return "epochs \(epochs)" }
            if let size = e.batchSize, !counts.contains(size) { return "batch size \(size)" }
            if let rate = e.learningRate, !(rate.isFinite && rate > 0) { return "learning rate \(rate)" }
            if e.shift >= 0 { return "shift \(e.shift)" }
            if !(1...SheetBreakExperiment.maximumLookback).contains(e.lookback) { return "lookback \(e.lookback)" }
            if let patience = e.earlyStoppingPatience, !(0...SheetBreakExperiment.maximumCount).contains(patience) {
                return "patience \(patience)"
            }
            if case let .fixed(value)? = e.threshold, !(value.isFinite && value >= 0) { return "threshold \(value)" }
            if case let .file(url) = e.data, !(isFile(url) && FileManager.default.isReadableFile(atPath: url.path)) {
                return "data \(url.path)"
            }
            if !outputIsUsable(e.output) { return "output \(e.output?.path ?? "nil")" }
            if ![Verbosity.silent, .progressBar].contains(e.verbosity) { return "verbosity" }
        case "ecg":
            let e = try ECGExperiment.parse(arguments)
            if !counts.contains(e.epochs) || !counts.contains(e.batchSize) {
                return "epochs \(e.epochs), batch size \(e.batchSize)"
            }
            if !(e.learningRate.isFinite && e.learningRate > 0) { return "learning rate \(e.learningRate)" }
            if !e.standardDeviations.isFinite { return "std \(e.standardDeviations)" }
            if case let .file(url) = e.data, !isFile(url) { return "data \(url.path)" }
            if !outputIsUsable(e.output) { return "output \(e.output?.path ?? "nil")" }
        case "fashion-mnist":
            let e = try FashionMNISTExperiment.parse(arguments)
            if !counts.contains(e.epochs) || !counts.contains(e.batchSize) {
                return "epochs \(e.epochs), batch size \(e.batchSize)"
            }
            if !(e.noise.isFinite && e.noise >= 0) { return "noise \(e.noise)" }
            if case let .folder(url) = e.data,
                !FashionMNISTExperiment.imageFiles.allSatisfy({
                    isFile(url.appendingPathComponent($0))
                })
            {
                return "data \(url.path)"
            }
            if !outputIsUsable(e.output) { return "output \(e.output?.path ?? "nil")" }
        default:
            let o = try BenchmarkOptions.parse(arguments)
            if !(1...1_000).contains(o.epochs) { return "epochs \(o.epochs)" }
            let allowed = BenchmarkOptions.sectionNames + BenchmarkOptions.modelNames
            if Set(o.sections).count != o.sections.count || !o.sections.allSatisfy(allowed.contains) {
                return "sections \(o.sections)"
            }
        }
        return nil
    }

    static func commandLineOptions(_ program: String) -> CommandLineOptions {
        switch program {
        case "sheet-break": SheetBreakExperiment.commandLine
        case "ecg": ECGExperiment.commandLine
        case "fashion-mnist": FashionMNISTExperiment.commandLine
        default: BenchmarkOptions.commandLine
        }
    }

    @Test(arguments: programs)
    func randomCommandLinesParseIntoValidSettingsOrOneLineUsageErrors(program: String) throws {
        let paths = try Paths()
        let options = Self.commandLineOptions(program)
        var generator = FuzzBudget.generator(0xC11 &+ UInt64(Self.programs.firstIndex(of: program)!))
        var parsed = 0
        var refused = 0
        var slowest = 0.0
        for _ in 0..<FuzzBudget.count(500) {
            let arguments = Self.commandLine(program, options: options, paths: paths.all, using: &generator)
            let run = timed {
                do throws(CommandLineOptions.ParseError) {
                    if let problem = try Self.problem(program, arguments) {
                        Issue.record("\(program) \(arguments) parsed into an invalid setting: \(problem)")
                    }
                    parsed += 1
                } catch {
                    refused += 1
                    let text = error.description
                    let lineBreaks = text.unicodeScalars.filter {
                        [0x0A, 0x0B, 0x0C, 0x0D, 0x85, 0x2028, 0x2029].contains($0.value)
                    }
                    #expect(
                        lineBreaks.isEmpty && !text.isEmpty && text.count < 400,
                        "\(program) \(arguments): not one short line: \(text)")
                    #expect(CommandLineOptions.isUsageError(error))
                }
            }
            slowest = max(slowest, run.seconds)
            #expect(run.seconds < 1, "\(program) \(arguments) took \(run.seconds) s")
        }
        // Both outcomes occur, so the generator exercises the checks and the happy path.
        #expect(parsed > FuzzBudget.count(500) / 20, "\(program): only \(parsed) lists parsed")
        #expect(refused > FuzzBudget.count(500) / 4, "\(program): only \(refused) lists refused")
        #expect(slowest < 1)
        if ProcessInfo.processInfo.environment["REK_FUZZ_VERBOSE"] != nil {
            print("\(program): \(parsed) parsed, \(refused) refused, slowest \(slowest) s")
        }
    }
}
