import Foundation
import RareEventKit
import Testing

/// A small trained-looking LSTM detector on random rows: an LSTM autoencoder (random weights), a
/// fitted standard scaler, a threshold from `mean + 1 std` of the training scores.
func makeLSTMDetector(features: Int = 3, lookback: Int = 4, seed: UInt64 = 3) throws -> (DeployedDetector, Tensor) {
    var generator = SeededGenerator(seed: seed)
    let rows = Tensor(
        shape: [60, features],
        scalars: (0..<(60 * features)).map { i in
            Float(i % features) * 10 + 3 * generator.normal()
        })
    var scaler = StandardScaler()
    try scaler.fit(rows)
    let model = try LSTMAutoencoder.make(timesteps: lookback, features: features, encoderUnits: [8, 4], seed: seed)
    var core = RareEventDetector(model: model)
    let columns = (1...features).map { "x\($0)" }
    let unscaled = try DeployedDetector(
        RareEventDetector(model: model, threshold: 0), columns: columns,
        scaling: .standard(scaler), lookback: lookback)
    let trainingScores = try unscaled.scores(rows: rows)
    core.threshold = try ThresholdRule.meanPlusStandardDeviations(1).threshold(trainingScores: trainingScores)
    let detector = try DeployedDetector(
        core, columns: columns, scaling: .standard(scaler), lookback: lookback,
        thresholdRule: .meanPlusStandardDeviations(1))
    return (detector, rows)
}

func temporaryFolder(_ name: String) -> URL {
    FileManager.default.temporaryDirectory.appendingPathComponent("rek-\(name)-\(UUID().uuidString)")
}

@Suite struct DeployedDetectorTests {
    @Test func aSavedLSTMDetectorScoresBitIdenticallyAfterLoading() throws {
        let (detector, rows) = try makeLSTMDetector()
        let folder = temporaryFolder("detector")
        defer { try? FileManager.default.removeItem(at: folder) }
        try detector.save(to: folder)
        let names = try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()
        #expect(names == ["config.json", "detector.json", "model.safetensors"])
        let loaded = try DeployedDetector(contentsOf: folder)
        #expect(loaded.columns == ["x1", "x2", "x3"])
        #expect(loaded.lookback == 4)
        #expect(loaded.scaling == detector.scaling)
        #expect(loaded.threshold == detector.threshold)
        #expect(loaded.thresholdRule == .meanPlusStandardDeviations(1))
        #expect(loaded.detector.error == .meanSquared && loaded.detector.windowScoring == .lastTimestep)
        let before = try detector.scores(rows: rows)
        let after = try loaded.scores(rows: rows)
        #expect(before.count == 57)
        #expect(before.map(\.bitPattern) == after.map(\.bitPattern))
        // The folder is also a model folder.
        #expect(try Sequential.load(from: folder).parameterCount == detector.model.parameterCount)
        // Saving again replaces the folder whole.
        try loaded.save(to: folder)
        #expect(
            try DeployedDetector(contentsOf: folder).scores(rows: rows).map(\.bitPattern) == before.map(\.bitPattern))
    }

    /// Detector folders written before the scalers stored `variance` (standard) and `dataMax` (min-max)
    /// load and score as before.
    @Test func detectorFoldersWithoutTheScalersNewKeysStillLoad() throws {
        let (detector, rows) = try makeLSTMDetector()
        var minMax = MinMaxScaler()
        try minMax.fit(rows)
        let minMaxDetector = try DeployedDetector(
            detector.detector, columns: detector.columns, scaling: .minMax(minMax), lookback: detector.lookback)
        for (saved, key) in [(detector, "variance"), (minMaxDetector, "dataMax")] {
            let folder = temporaryFolder("old-detector")
            defer { try? FileManager.default.removeItem(at: folder) }
            try saved.save(to: folder)
            let file = folder.appendingPathComponent(DeployedDetector.fileName)
            let text = try String(contentsOf: file, encoding: .utf8)
            // The key with the comma before it (the last key) or after it.
            let range = try #require(
                text.range(of: #",\s*"\#(key)" : \[[^\]]*\](?=\s*\})"#, options: .regularExpression)
                    ?? text.range(of: #""\#(key)" : \[[^\]]*\]\s*,"#, options: .regularExpression))
            try Data(text.replacingCharacters(in: range, with: "").utf8).write(to: file)
            let loaded = try DeployedDetector(contentsOf: folder)
            #expect(loaded.scaling.typeName == saved.scaling.typeName && text.contains("\"\(key)\""))
            #expect(try String(contentsOf: file, encoding: .utf8).contains(key) == false)
            #expect(try loaded.scores(rows: rows).map(\.bitPattern) == saved.scores(rows: rows).map(\.bitPattern))
        }
    }

    @Test func aDenseDetectorWithGlobalMinMaxScalingRoundTrips() throws {
        var generator = SeededGenerator(seed: 9)
        let rows = Tensor(shape: [20, 6], scalars: (0..<120).map { _ in generator.normal() })
        var scaler = GlobalMinMaxScaler()
        try scaler.fit(rows)
        let model = try ECGAutoencoder.make(features: 6, encoderUnits: [4, 2], seed: 1)
        let detector = try DeployedDetector(
            RareEventDetector(model: model, error: .meanAbsolute, threshold: 0.125),
            columns: (0..<6).map { "s\($0)" }, scaling: .globalMinMax(scaler),
            thresholdRule: .fixed(0.125))
        let folder = temporaryFolder("dense-detector")
        defer { try? FileManager.default.removeItem(at: folder) }
        try detector.save(to: folder)
        let loaded = try DeployedDetector(contentsOf: folder)
        #expect(loaded.lookback == 1 && loaded.thresholdRule == .fixed(0.125) && loaded.detector.error == .meanAbsolute)
        // One score per row, the same as the plain detector on the scaled rows.
        let expected = try detector.detector.scores(try scaler.transform(rows))
        #expect(try loaded.scores(rows: rows).map(\.bitPattern) == expected.map(\.bitPattern))
    }

    @Test func partsThatDoNotFitAreRefused() throws {
        let (detector, _) = try makeLSTMDetector()
        let core = detector.detector
        func reason(_ body: () throws(MonitoringError) -> DeployedDetector) -> String {
            do {
                _ = try body()
                return "accepted"
            } catch { return error.description }
        }
        #expect(
            reason { () throws(MonitoringError) in
                try DeployedDetector(core, columns: ["a", "b"], scaling: .none, lookback: 4)
            }
            .contains("the model takes samples of shape [4, 3], expected [4, 2]"))
        #expect(
            reason { () throws(MonitoringError) in
                try DeployedDetector(core, columns: ["a", "a", "b"], scaling: .none, lookback: 4)
            }
            .contains("column 'a' is named twice"))
        #expect(
            reason { () throws(MonitoringError) in
                try DeployedDetector(core, columns: ["a", "b", "c"], scaling: .none, lookback: 3)
            }
            .contains("expected [3, 3]"))
        var unfitted = core
        unfitted.threshold = .infinity
        #expect(
            reason { () throws(MonitoringError) in
                try DeployedDetector(unfitted, columns: ["a", "b", "c"], scaling: .none, lookback: 4)
            }
            .contains("expected a finite threshold"))
        var scaler = StandardScaler()
        try scaler.fit(Tensor(shape: [2, 2], scalars: [1, 2, 3, 4]))
        #expect(
            reason { () throws(MonitoringError) in
                try DeployedDetector(core, columns: ["a", "b", "c"], scaling: .standard(scaler), lookback: 4)
            }.contains("the scaler does not fit 3 columns"))
        #expect(
            reason { () throws(MonitoringError) in
                try DeployedDetector(core, columns: ["a", "b", "c"], scaling: .standard(StandardScaler()), lookback: 4)
            }.contains("must be fitted"))
    }

    /// Each broken `detector.json` gives a typed error naming the file, the key and what was expected.
    @Test func loadingNamesTheFileTheKeyAndTheExpectation() throws {
        let (detector, _) = try makeLSTMDetector()
        let folder = temporaryFolder("bad-detector")
        defer { try? FileManager.default.removeItem(at: folder) }
        try detector.save(to: folder)
        let file = folder.appendingPathComponent(DeployedDetector.fileName)
        let original = try String(contentsOf: file, encoding: .utf8)
        func loadingError(_ edit: (String) -> String) throws -> SavingError? {
            try Data(edit(original).utf8).write(to: file)
            do {
                _ = try DeployedDetector(contentsOf: folder)
                return nil
            } catch { return error }
        }
        func replacing(_ pattern: String, _ replacement: String) -> (String) -> String {
            { text in
                let range = text.range(of: pattern, options: .regularExpression)!
                return text.replacingCharacters(in: range, with: replacement)
            }
        }
        let path = file.path
        #expect(
            try loadingError(replacing(#""lookback" : 4"#, #""lookback" : 0"#))
                == .invalidConfiguration(path: path, key: "lookback", reason: "expected an integer ≥ 1, found 0"))
        #expect(
            try loadingError(replacing(#""lookback" : 4"#, #""lookback" : "4""#))
                == .invalidConfiguration(path: path, key: "lookback", reason: "expected an integer"))
        #expect(
            try loadingError(replacing(#""lookback" : 4,"#, ""))
                == .invalidConfiguration(path: path, key: "lookback", reason: "missing; expected it to be present"))
        guard
            case let .invalidConfiguration(_, key, reason)? = try loadingError(
                replacing(#""scale" : \[\s*[-0-9.e]+"#, #""scale" : [0"#))
        else {
            Issue.record("a zero scale was accepted")
            return
        }
        #expect(key == "scaler.fitted.map.scale" && reason.contains("expected finite non-zero numbers, entry 0 is 0.0"))
        #expect(
            try loadingError(replacing(#""x2""#, #""x1""#))
                == .invalidConfiguration(
                    path: path, key: "columns", reason: "column 'x1' is named twice; expected unique names"))
        #expect(
            try loadingError(replacing(#""x3""#, #""x3", "x4""#))?.description.contains(
                "the model takes samples of shape [4, 3]") == true)
        #expect(
            try loadingError(replacing(#""StandardScaler""#, #""RobustScaler""#))?.description
                .contains(
                    "unknown scaler 'RobustScaler'; expected none, StandardScaler, MinMaxScaler or GlobalMinMaxScaler")
                == true)
        #expect(
            try loadingError(replacing(#""format" : "[^"]*""#, #""format" : "Other""#))?.description
                .contains("unsupported format Other version 1") == true)
        guard
            case .duplicateKey(path, _)? = try loadingError(
                replacing(#""lookback" : 4"#, #""lookback" : 4, "lookback" : 4"#))
        else {
            Issue.record("a duplicate key was accepted")
            return
        }
        guard case .corrupt(path, _)? = try loadingError({ String($0.dropLast(3)) }) else {
            Issue.record("truncated JSON was accepted")
            return
        }
        try FileManager.default.removeItem(at: file)
        #expect(throws: SavingError.self) { try DeployedDetector(contentsOf: folder) }
        do {
            _ = try DeployedDetector(contentsOf: folder)
        } catch {
            guard case .unreadable(path, _) = error else {
                Issue.record("\(error)")
                return
            }
        }
    }
}
