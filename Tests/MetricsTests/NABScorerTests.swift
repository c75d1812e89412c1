import Foundation
import Metrics
import TestSupport
import Testing

/// Tests/MetricsTests/Fixtures/nab.json, written by scripts/make_nab_fixtures.py with NAB's own
/// nab/sweeper.py (synthetic files and three real NAB files with seeded synthetic scores).
struct NABFixture: Decodable {
    struct File: Decodable {
        var name: String
        var rowCount: Int
        var windows: [[Int]]
        var scores: [Double]
        var real: Bool
    }
    struct FileResult: Decodable {
        var rowWeights: [Double]?
        var thresholdScores: [[Double]]?
        var fixedThresholdScores: [String: Double]
    }
    struct Profile: Decodable {
        var tp, fp, fn: Double
        var threshold, pooledScore, raw, null, perfect, normalized: Double
        var fileScores: [[Double]]
        var files: [FileResult]
    }
    var files: [File]
    var profiles: [String: Profile]

    static let shared: NABFixture = try! loadFixture(NABFixture.self, named: "nab", in: .module)
}

/// Tests/MetricsTests/Fixtures/nab_published.json: NAB's published detectors reduced to their detections
/// at the published thresholds, with the published scores.
struct NABPublished: Decodable {
    struct Profile: Decodable { var threshold, raw, normalized: Double }
    struct Detector: Decodable {
        var profiles: [String: Profile]
        var detections: [String: [String: [Int]]]
    }
    var detectors: [String: Detector]
}

@Suite struct NABScorerTests {
    static let fixture = NABFixture.shared

    static func corpus() throws -> [NABDetection] {
        try fixture.files.map { file in
            NABDetection(
                series: try NABSeries(
                    name: file.name, rowCount: file.rowCount, windows: file.windows.map { $0[0]...$0[1] }),
                anomalyScores: file.scores)
        }
    }

    static func profile(_ name: String) throws -> NABProfile {
        let p = fixture.profiles[name]!
        return try NABProfile(
            name: name, truePositiveWeight: p.tp, falsePositiveWeight: p.fp, falseNegativeWeight: p.fn)
    }

    @Test func builtInProfilesAreNABs() throws {
        for builtIn in NABProfile.all { #expect(try Self.profile(builtIn.name) == builtIn) }
        if let url = SharedData.url("nab/profiles.json") {
            #expect(try NABProfile.load(contentsOf: url) == NABProfile.all.sorted { $0.name < $1.name })
        }
    }

    @Test(arguments: NABProfile.all.map(\.name))
    func corpusScoreMatchesNABsOptimiserScorerAndNormalisation(profileName: String) throws {
        let reference = Self.fixture.profiles[profileName]!
        let scorer = NABScorer(profile: try Self.profile(profileName))
        let corpus = try Self.corpus()
        let best = try scorer.optimizeThreshold(corpus)
        #expect(best.threshold == reference.threshold)
        #expect(abs(best.score - reference.pooledScore) <= 1e-9)
        let result = try scorer.score(corpus)
        #expect(result.threshold == reference.threshold)
        #expect(abs(result.rawScore - reference.raw) <= 1e-9)
        #expect(result.nullScore == reference.null)
        #expect(result.perfectScore == reference.perfect)
        #expect(abs(result.normalizedScore - reference.normalized) <= 1e-9)
        for (file, expected) in zip(result.files, reference.fileScores) {
            #expect(abs(file.score.score - expected[0]) <= 1e-9, "\(file.name)")
            #expect(
                [
                    file.score.truePositives, file.score.trueNegatives, file.score.falsePositives,
                    file.score.falseNegatives,
                ]
                    == expected[1...].map { Int($0) }, "\(file.name)")
        }
    }

    @Test(arguments: NABProfile.all.map(\.name))
    func perFileWeightsSweepsAndFixedThresholdsMatchNAB(profileName: String) throws {
        let reference = Self.fixture.profiles[profileName]!
        let scorer = NABScorer(profile: try Self.profile(profileName))
        for (detection, expected) in zip(try Self.corpus(), reference.files) {
            let name = detection.series.name
            if let weights = expected.rowWeights {
                let actual = try scorer.rowWeights(detection.series, anomalyScores: detection.anomalyScores)
                #expect(actual.count == weights.count)
                #expect(zip(actual, weights).allSatisfy { abs($0 - $1) <= 1e-12 }, "\(name)")
            }
            if let sweep = expected.thresholdScores {
                let actual = try scorer.thresholdScores(detection.series, anomalyScores: detection.anomalyScores)
                #expect(actual.count == sweep.count, "\(name)")
                for (row, want) in zip(actual, sweep) {
                    #expect(row.threshold == want[0] && abs(row.score - want[1]) <= 1e-9, "\(name) at \(want[0])")
                    #expect(
                        [row.truePositives, row.trueNegatives, row.falsePositives, row.falseNegatives]
                            == want[2...].map { Int($0) }, "\(name) at \(want[0])")
                }
            }
            for (threshold, want) in expected.fixedThresholdScores {
                let actual = try scorer.score(
                    detection.series, anomalyScores: detection.anomalyScores, threshold: Double(threshold)!)
                #expect(abs(actual.score - want) <= 1e-9, "\(name) at \(threshold)")
            }
        }
    }

    /// The real files' windows, read from NAB's labels and data, land on the rows NAB's code found.
    @Test func realLabelsMapToTheRowsNABFinds() throws {
        guard let nab = SharedData.url("nab") else {
            print("skipped: ../shared/data/nab is absent")
            return
        }
        let labels = try NABLabels(contentsOf: nab.appendingPathComponent("labels/combined_windows.json"))
        for file in Self.fixture.files where file.real {
            let series = try labels.series(file.name, timestamps: try Self.timestamps(nab, file.name))
            #expect(series.rowCount == file.rowCount)
            #expect(series.windows == file.windows.map { $0[0]...$0[1] })
        }
    }

    /// NAB's published `numenta` detector and `null` baseline, rescored on the real corpus at NAB's
    /// published thresholds, give NAB's published raw and normalised scores (results/final_results.json).
    @Test(arguments: ["numenta", "null"])
    func publishedScoreboardIsReproduced(detectorName: String) throws {
        guard SharedData.url("nab") != nil else {
            print("skipped: ../shared/data/nab is absent")
            return
        }
        let published = try loadFixture(NABPublished.self, named: "nab_published", in: .module).detectors[detectorName]!
        let series = try #require(Self.realCorpus)
        #expect(series.count == 58 && series.reduce(0) { $0 + $1.windows.count } == 116)
        for (profileName, expected) in published.profiles {
            let detections =
                published.detections[String(expected.threshold)] ?? published.detections[
                    published.detections.keys.first { Double($0) == expected.threshold }!]!
            let corpus = series.map { s in
                var scores = [Double](repeating: 0, count: s.rowCount)
                for row in detections[s.name]! { scores[row] = 1 }
                return NABDetection(series: s, anomalyScores: scores)
            }
            let profile = NABProfile.all.first { $0.name == profileName }!
            let result = try NABScorer(profile: profile).score(corpus, threshold: 0.5)
            #expect(abs(result.rawScore - expected.raw) <= 1e-9, "\(detectorName) \(profileName)")
            #expect(abs(result.normalizedScore - expected.normalized) <= 1e-9, "\(detectorName) \(profileName)")
        }
    }

    /// With `NAB_REPO` pointing at a checkout of numenta/NAB, scores the published `numenta` detector's
    /// full result CSVs with the threshold optimiser: the sweep tries every distinct anomaly score, so it
    /// must do at least as well as NAB's published thresholds (found by an older optimiser).
    @Test func optimiserOnPublishedResultsBeatsOrMatchesTheirThresholds() throws {
        guard let repo = ProcessInfo.processInfo.environment["NAB_REPO"], let series = Self.realCorpus else {
            print("skipped: set NAB_REPO to a numenta/NAB checkout (and have ../shared/data/nab)")
            return
        }
        let published = try loadFixture(NABPublished.self, named: "nab_published", in: .module).detectors["numenta"]!
        let corpus = try series.map { s in
            let parts = s.name.split(separator: "/")
            let url = URL(fileURLWithPath: repo).appendingPathComponent(
                "results/numenta/\(parts[0])/numenta_\(parts[1])")
            let lines = try String(contentsOf: url, encoding: .utf8).split(whereSeparator: \.isNewline).dropFirst()
            return NABDetection(series: s, anomalyScores: lines.map { Double($0.split(separator: ",")[2])! })
        }
        for profile in NABProfile.all {
            let result = try NABScorer(profile: profile).score(corpus)
            print(
                "numenta \(profile.name): threshold \(result.threshold), raw \(result.rawScore), normalized "
                    + "\(result.normalizedScore) (published \(published.profiles[profile.name]!.normalized))")
            #expect(result.normalizedScore >= published.profiles[profile.name]!.normalized - 1e-9)
        }
    }

    @Test func scaledSigmoidAndEdgeCases() throws {
        #expect(abs(NABScorer.scaledSigmoid(-1) - 0.9866142981514305) <= 1e-15)  // 2·sigmoid(5) - 1
        #expect(NABScorer.scaledSigmoid(0) == 0)
        #expect(NABScorer.scaledSigmoid(3.5) == -1)
        // A one-row window (NAB divides by width - 1 = 0 after it): a later detection costs -fpWeight.
        let series = try NABSeries(name: "one", rowCount: 10, windows: [5...5])
        let scorer = NABScorer(profile: .standard, probationPercent: 0)
        let weights = try scorer.rowWeights(series, anomalyScores: [Double](repeating: 0, count: 10))
        #expect(weights[5] == 1.0 * NABScorer.scaledSigmoid(-1) / NABScorer.scaledSigmoid(-1))
        #expect(weights[6] == -0.11 && weights[0] == -0.11)
        // A threshold above every score detects nothing; below every score detects everything.
        let scores = [0.2, 0.2, 0.2, 0.2, 0.2, 0.9, 0.2, 0.2, 0.2, 0.2]
        #expect(try scorer.score(series, anomalyScores: scores, threshold: 2).score == -1)
        let all = try scorer.score(series, anomalyScores: scores, threshold: 0.1)
        #expect(all.truePositives == 1 && all.falsePositives == 9)
        #expect(try scorer.score(series, anomalyScores: scores, threshold: 0.9).score == 1)
    }

    @Test func badInputThrowsTypedErrors() throws {
        #expect(throws: NABError.invalidWindow(series: "s", index: 1, reason: "rows 2...4 overlap or precede window 0"))
        {
            try NABSeries(name: "s", rowCount: 10, windows: [1...3, 2...4])
        }
        #expect(throws: NABError.self) { try NABSeries(name: "s", rowCount: 10, windows: [8...10]) }
        let series = try NABSeries(name: "s", rowCount: 3, windows: [])
        let scorer = NABScorer(profile: .standard)
        #expect(throws: NABError.lengthMismatch(series: "s", rows: 3, scores: 2)) {
            try scorer.score(series, anomalyScores: [0, 0], threshold: 0.5)
        }
        #expect(throws: NABError.nonFiniteScore(series: "s", row: 1)) {
            try scorer.score(series, anomalyScores: [0, .nan, 0], threshold: 0.5)
        }
        #expect(throws: NABError.emptyCorpus) { try scorer.score([NABDetection]()) }
        #expect(throws: NABError.self) {
            try NABProfile(name: "x", truePositiveWeight: 1, falsePositiveWeight: -1, falseNegativeWeight: 1)
        }
        let labels = NABLabels(windows: [
            "f.csv": [.init(start: "2020-01-01 00:00:00.000000", end: "2020-01-01 00:10:00.000000")]
        ])
        let times = ["2020-01-01 00:00:00", "2020-01-01 00:05:00"]
        #expect(throws: NABError.timestampNotFound(series: "f.csv", timestamp: "2020-01-01 00:10:00.000000")) {
            try labels.series("f.csv", timestamps: times)
        }
        #expect(throws: NABError.invalidTimestamp(series: "f.csv", row: 1, text: "2020-01-01 00:05")) {
            try labels.series("f.csv", timestamps: ["2020-01-01 00:00:00", "2020-01-01 00:05"])
        }
        #expect(throws: NABError.unknownSeries("g.csv")) { try labels.series("g.csv", timestamps: times) }
        let missing = URL(fileURLWithPath: "/nonexistent/combined_windows.json")
        #expect(throws: NABError.self) { try NABLabels(contentsOf: missing) }
    }

    @Test func timestampsParseExactly() {
        #expect(NABTimestamp.microseconds(from: "1970-01-01 00:00:00") == 0)
        #expect(NABTimestamp.microseconds(from: "1970-01-02 00:00:01.5") == 86_401_500_000)
        #expect(NABTimestamp.seconds(from: "2014-04-10 07:15:00.000000") == 1_397_114_100)  // date -u -d ... +%s
        #expect(NABTimestamp.microseconds(from: "2016-02-29 12:00:00") != nil)
        #expect(NABTimestamp.microseconds(from: "2015-02-29 12:00:00") == nil)
        #expect(NABTimestamp.microseconds(from: "2015-13-01 12:00:00") == nil)
        #expect(NABTimestamp.microseconds(from: "2015-01-01 24:00:00") == nil)
        #expect(NABTimestamp.microseconds(from: "2015-01-01 12:00:00.1234567") == nil)
        #expect(
            NABTimestamp.microseconds(from: "2015-01-01T12:00:00")
                == NABTimestamp.microseconds(from: "2015-01-01 12:00:00"))
    }

    /// The 58 real NAB series (read once: parsing 365,558 timestamps takes a while in a debug build).
    static let realCorpus: [NABSeries]? = {
        guard let nab = SharedData.url("nab"),
            let labels = try? NABLabels(contentsOf: nab.appendingPathComponent("labels/combined_windows.json"))
        else { return nil }
        return try? labels.windows.keys.sorted().map { try labels.series($0, timestamps: try timestamps(nab, $0)) }
    }()

    /// The `timestamp` column of a NAB data file.
    static func timestamps(_ nab: URL, _ name: String) throws -> [String] {
        let text = try String(contentsOf: nab.appendingPathComponent("data/\(name)"), encoding: .utf8)
        return text.split(whereSeparator: \.isNewline).dropFirst().map { line in String(line.prefix { $0 != "," }) }
    }
}
