import ExampleSupport
import Foundation
import RareEventKit
import Testing

/// `sheet-break --replay` on the synthetic data, end to end, briefly: the time-ordered split, the
/// threshold from the training part only, the monitor's replay and the event report.
@Suite struct SheetBreakReplayTests {
    @Test func replayTrainsOnThePastAndReplaysTheRestThroughTheMonitor() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("rek-replay-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        var replay = SheetBreakReplay()
        replay.data = .synthetic(rows: 3_000)
        replay.epochs = 5
        replay.verbosity = .silent
        replay.output = folder
        replay.log = { _ in }
        let result = try replay.run()

        // Rows 0..<2100 train (the last 20%, 1680..<2100, validate), rows 2100..<3000 are replayed.
        let data = SyntheticRareEvents.make(rows: 3_000, features: 59, seed: 7)
        #expect(result.replayedRows == 900 && result.validationRows == 420)
        #expect(result.trainingRows == data.labels[..<1680].count { $0 == 0 })
        #expect(result.labels == Array(data.labels[2100...]))
        #expect(try result.report.events.map(\.event) == LabelledEvent.events(in: Array(data.labels[2100...])))

        // The saved detector scores the replayed rows exactly as the monitor did.
        let detector = try DeployedDetector(contentsOf: folder.appendingPathComponent("detector"))
        #expect(detector.threshold == result.threshold)
        let replayed = data.features.gatheringBatch(Array(2100..<3000))
        #expect(try detector.scores(rows: replayed) == result.scores.map { $0! })
        // The threshold is the 0.99 quantile (NumPy's linear rule) of the normal validation rows' scores.
        let validation = try detector.scores(rows: data.features.gatheringBatch(Array(1680..<2100)))
        let normal = (0..<420).filter { data.labels[1680 + $0] == 0 }.map { Double(validation[$0]) }.sorted()
        let position = 0.99 * Double(normal.count - 1)
        let low = Int(position)
        let expected = normal[low] + (normal[low + 1] - normal[low]) * (position - Double(low))
        #expect(result.threshold == Float(expected))
        // With the immediate policy the alarm is on exactly where the score is above the threshold.
        #expect(result.alarms == result.scores.map { $0! > result.threshold })
        // After 5 epochs the synthetic build-up is caught in the 20-minute horizon for some events (3 of 7).
        #expect(result.report.events.count >= 3)
        #expect(result.report.caught >= 2)
        #expect(result.report.days.map { abs($0 - 899 * 120 / 86_400) < 1e-9 } == true)

        let files = try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()
        #expect(files == ["detector", "replay.csv", "replay.svg"])
        let csv = try String(contentsOf: folder.appendingPathComponent("replay.csv"), encoding: .utf8)
        #expect(csv.split(separator: "\n").count == 901)
    }

    @Test func replayCommandLineReusesTheMonitorPolicyOptions() throws {
        let replay = try SheetBreakReplay.parse([
            "--replay", "--raise-after", "2", "--of", "3", "--clear-after", "4", "--cooldown", "5",
            "--horizon-minutes", "30", "--threshold-quantile", "0.995", "--train-fraction", "0.6", "--quiet",
        ])
        #expect(replay.policy == (try AlarmPolicy(raiseAfter: 2, of: 3, clearAfter: 4, cooldown: 5)))
        #expect(replay.horizonMinutes == 30 && replay.thresholdQuantile == 0.995 && replay.trainFraction == 0.6)
        #expect(replay.model == .dense && replay.output?.lastPathComponent == "sheet-break-replay")
        for arguments in [
            ["--train-fraction", "1.5"], ["--threshold-quantile", "2"], ["--horizon-minutes", "-1"],
            ["--raise-after", "3", "--of", "2"], ["--shift", "-2"],
        ] {
            #expect(throws: CommandLineOptions.ParseError.self) { try SheetBreakReplay.parse(arguments) }
        }
    }

    @Test func replayRefusesTimesThatAreNotTheSheetBreakFormat() {
        #expect(throws: ExperimentError.self) { try SheetBreakReplay.seconds(["5/1/99 0:00", "5/1/99 x"], file: "f") }
        #expect(throws: ExperimentError.self) {
            try SheetBreakReplay.seconds(["5/1/99 0:02", "5/1/99 0:00"], file: "f")
        }
    }
}
