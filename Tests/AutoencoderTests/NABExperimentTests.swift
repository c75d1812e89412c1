import ExampleSupport
import Foundation
import RareEventKit
import TestSupport
import Testing

/// The `nab` example end to end on a tiny corpus the test writes: three series (two with a labelled
/// spike, one without), CRLF and LF line endings.
@Suite struct NABExperimentTests {
    /// Rows per synthetic series: probation is floor(0.15 · 400) = 60 rows.
    static let rows = 400

    static func timestamp(_ row: Int) -> String {
        // 5-minute steps from 2014-04-01 00:00:00.
        let minutes = row * 5
        let (day, hour, minute) = (1 + minutes / 1_440, (minutes / 60) % 24, minutes % 60)
        return String(format: "2014-04-%02d %02d:%02d:00", day, hour, minute)
    }

    /// A noisy daily-ish sine; `spike` rows get +8.
    static func values(spike: Range<Int>?, seed: UInt64) -> [Double] {
        var state = seed
        return (0..<rows).map { row in
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            let noise = Double(state >> 11) / Double(1 << 53) - 0.5
            let bump = spike.map { $0.contains(row) ? 8.0 : 0 } ?? 0
            return 10 + 2 * sin(Double(row) * 2 * .pi / 48) + 0.2 * noise + bump
        }
    }

    /// Writes the corpus; returns its folder and the labelled windows as rows.
    static func writeCorpus(to folder: URL) throws -> [String: [ClosedRange<Int>]] {
        let series: [(name: String, spike: Range<Int>?, window: ClosedRange<Int>?, lineEnd: String)] = [
            ("groupA/spiky.csv", 250..<254, 240...262, "\r\n"),
            ("groupA/quiet.csv", nil, nil, "\n"),
            ("groupB/late_spike.csv", 330..<333, 320...342, "\r\n"),
        ]
        var labels: [String] = []
        for (index, entry) in series.enumerated() {
            let values = values(spike: entry.spike, seed: UInt64(index + 1))
            var text = "timestamp,value" + entry.lineEnd
            for (row, value) in values.enumerated() {
                text += "\(timestamp(row)),\(String(format: "%.4f", value))" + entry.lineEnd
            }
            let url = folder.appendingPathComponent("data").appendingPathComponent(entry.name)
            try FileManager.default.createDirectory(
                at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(text.utf8).write(to: url)
            let windows = entry.window.map {
                "[\"\(timestamp($0.lowerBound)).000000\", \"\(timestamp($0.upperBound)).000000\"]"
            }
            labels.append("\"\(entry.name)\": [\(windows ?? "")]")
        }
        let labelsURL = folder.appendingPathComponent(NABExperiment.labelsPath)
        try FileManager.default.createDirectory(
            at: labelsURL.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(("{" + labels.joined(separator: ", ") + "}").utf8).write(to: labelsURL)
        var windows: [String: [ClosedRange<Int>]] = [:]
        for entry in series { windows[entry.name] = entry.window.map { [$0] } ?? [] }
        return windows
    }

    @Test func runsATinyCorpusEndToEndAndWritesNABResultsFiles() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("rek-nab-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let windows = try Self.writeCorpus(to: folder.appendingPathComponent("corpus"))
        var experiment = NABExperiment(data: folder.appendingPathComponent("corpus"))
        experiment.output = folder.appendingPathComponent("results")
        experiment.lookback = 10
        experiment.epochs = 30
        experiment.detectorName = "tinyAE"
        experiment.log = { _ in }
        let result = try experiment.run()

        #expect(
            result.detections.map(\.series.name) == ["groupA/quiet.csv", "groupA/spiky.csv", "groupB/late_spike.csv"])
        #expect(result.rows == 3 * Self.rows)
        #expect(result.scores.map(\.profile) == NABProfile.all)
        // A spike 40 standard deviations of noise high is found early in both windows at the chosen
        // threshold, with few false positives: far better than the null detector.
        let standard = result.scores[0]
        #expect(standard.normalizedScore > 85, "\(standard)")  // 95.0 when written

        var reread: [NABDetection] = []
        for detection in result.detections {
            let name = detection.series.name
            let parts = name.split(separator: "/")
            let url = folder.appendingPathComponent("results/tinyAE/\(parts[0])/tinyAE_\(parts[1])")
            let lines = try String(contentsOf: url, encoding: .utf8).split(separator: "\n")
            #expect(lines.first == "timestamp,value,anomaly_score,label")
            #expect(lines.count == Self.rows + 1)
            var scores: [Double] = []
            for (row, line) in lines.dropFirst().enumerated() {
                let fields = line.split(separator: ",").map(String.init)
                #expect(fields.count == 4)
                #expect(fields[0] == Self.timestamp(row))
                let score = try #require(Double(fields[2]))
                #expect((0...1).contains(score))
                // Rows before the likelihood's first reading (the first full window, then 100 averages) score 0.
                if row < experiment.lookback - 1 + 100 { #expect(score == 0) }
                let inside = windows[name]!.contains { $0.contains(row) }
                #expect(fields[3] == (inside ? "1" : "0"), "\(name) row \(row)")
                scores.append(score)
            }
            #expect(scores == detection.anomalyScores)
            // A detection (z ≥ 5, a score of at least 5/6) silences the next 100 rows.
            for row in scores.indices where scores[row] >= 5.0 / 6 {
                #expect(scores[(row + 1)..<min(row + 101, scores.count)].allSatisfy { $0 == 0 }, "\(name) row \(row)")
            }
            #expect(name == "groupA/quiet.csv" || scores.contains { $0 >= 5.0 / 6 }, "\(name)")
            reread.append(NABDetection(series: detection.series, anomalyScores: scores))
            // The highest scored row after probation is in the spike window where there is one.
            let probation = Int(detection.series.probationLength())
            let top = scores.indices.dropFirst(probation).max { scores[$0] < scores[$1] }!
            if let window = windows[name]!.first { #expect(window.contains(top), "\(name): top row \(top)") }
        }
        // NAB's scorer on the written files gives the printed figures.
        for (profile, score) in zip(NABProfile.all, result.scores) {
            #expect(try NABScorer(profile: profile).score(reread) == score)
        }
    }

    @Test func aDataLineThatIsNotTimestampValueIsReportedWithItsLine() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("rek-nab-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        _ = try Self.writeCorpus(to: folder)
        let file = folder.appendingPathComponent("data/groupA/quiet.csv")
        var text = try String(contentsOf: file, encoding: .utf8)
        text = text.replacingOccurrences(of: "\(Self.timestamp(5)),", with: "\(Self.timestamp(5)),nan")
        try Data(text.utf8).write(to: file)
        var experiment = NABExperiment(data: folder)
        experiment.lookback = 10
        experiment.epochs = 1
        experiment.log = { _ in }
        #expect {
            try experiment.run()
        } throws: { error in
            guard case let ExperimentError.unexpectedData(path, expected, _) = error else { return false }
            return path == file.path && expected.contains("line 7")
        }
    }

    @Test func theCommandLineNeedsTheCorpus() throws {
        #expect(throws: CommandLineOptions.ParseError.self) { try NABExperiment.parse([]) }
        do {
            _ = try NABExperiment.parse(["--output", "x"])
            Issue.record("expected an error without --data")
        } catch {
            #expect("\(error)".contains("NAB corpus is needed"))
        }
        let empty = FileManager.default.temporaryDirectory.appendingPathComponent("rek-nab-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: empty, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: empty) }
        #expect(throws: CommandLineOptions.ParseError.self) { try NABExperiment.parse(["--data", empty.path]) }
        _ = try Self.writeCorpus(to: empty)
        let experiment = try NABExperiment.parse(["--data", empty.path, "--lookback", "12", "--epochs", "3"])
        #expect(experiment.data.standardizedFileURL.path == empty.standardizedFileURL.path)
        #expect(experiment.lookback == 12 && experiment.epochs == 3 && experiment.output == nil)
        #expect(throws: CommandLineOptions.ParseError.self) {
            try NABExperiment.parse(["--data", empty.path, "--lookback", "1"])
        }
    }
}
