import Foundation
import RareEventKit
import Testing

@Suite struct AnomalyLikelihoodTests {
    func close(_ a: Double, _ b: Double, _ tolerance: Double = 1e-12) -> Bool { abs(a - b) <= tolerance }

    /// Averages of 2 scores, a history of 3 averages, readings from 2 averages on, worked by hand.
    @Test func readingsMatchAHandWorkedStream() throws {
        var likelihood = try AnomalyLikelihood(averagingWindow: 2, historyLength: 3, minimumHistory: 2)
        // 1 → average 1; 3 → average 2: the history is still short.
        #expect(try likelihood.add(1) == nil)
        #expect(try likelihood.add(3) == nil)
        #expect(likelihood.historyCount == 2)
        // 5 → average 4 against {1, 2}: mean 1.5, population deviation 0.5, z = 5.
        let third = try #require(try likelihood.add(5))
        #expect(third == AnomalyLikelihood.Reading(average: 4, mean: 1.5, deviation: 0.5))
        #expect(third.standardScore == 5)
        #expect(close(third.likelihood, 0.999_999_713_348_428_1, 1e-15))
        // 2 → average 3.5 against {1, 2, 4}: mean 7/3, variance 14/9.
        let fourth = try #require(try likelihood.add(2))
        #expect(fourth.average == 3.5)
        #expect(close(fourth.mean, 7.0 / 3))
        #expect(close(fourth.deviation, 14.0.squareRoot() / 3))
        #expect(close(fourth.standardScore, 3.5 / 14.0.squareRoot()))
        // 10 → average 6 against {2, 4, 3.5} (the oldest average, 1, left): mean 19/6, variance 13/18.
        let fifth = try #require(try likelihood.add(10))
        #expect(fifth.average == 6)
        #expect(close(fifth.mean, 19.0 / 6))
        #expect(close(fifth.deviation, (13.0 / 18).squareRoot()))
        #expect(likelihood.historyCount == 3)
    }

    @Test func aConstantHistoryUsesTheMinimumDeviation() throws {
        var likelihood = try AnomalyLikelihood(
            averagingWindow: 1, historyLength: 4, minimumHistory: 2, minimumDeviation: 0.01)
        _ = try likelihood.add(2)
        _ = try likelihood.add(2)
        let same = try #require(try likelihood.add(2))
        #expect(same.deviation == 0.01 && same.standardScore == 0 && same.likelihood == 0.5)
        let higher = try #require(try likelihood.add(2.05))
        #expect(close(higher.standardScore, 5, 1e-9))
        // A score below the past is not unusual: the likelihood is near 0, not near 1.
        let lower = try #require(try likelihood.add(1))
        #expect(lower.standardScore < -10 && lower.likelihood < 1e-20)
    }

    /// A long stream read against the exact mean and deviation of the last averages: the running sums do
    /// not drift.
    @Test func longStreamsAgreeWithTheDirectFormula() throws {
        let (window, length) = (3, 7)
        var likelihood = try AnomalyLikelihood(averagingWindow: window, historyLength: length, minimumHistory: length)
        var scores: [Double] = []
        var averages: [Double] = []
        var state: UInt64 = 42
        for step in 0..<20_000 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            let score = 1e3 + Double(state >> 11) / Double(1 << 53) + (step % 5_000 == 0 ? 50 : 0)
            scores.append(score)
            let reading = try likelihood.add(score)
            let recent = scores.suffix(window)
            let average = recent.reduce(0, +) / Double(recent.count)
            if averages.count >= length {
                let past = averages.suffix(length)
                let mean = past.reduce(0, +) / Double(length)
                let variance = past.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(length)
                let r = try #require(reading)
                #expect(close(r.average, average, 1e-9) && close(r.mean, mean, 1e-9))
                #expect(close(r.deviation, max(variance.squareRoot(), 1e-6), 1e-7), "step \(step)")
            } else {
                #expect(reading == nil)
            }
            averages.append(average)
        }
    }

    @Test func aNonFiniteScoreIsRefusedAndChangesNothing() throws {
        var likelihood = try AnomalyLikelihood(averagingWindow: 2, historyLength: 3, minimumHistory: 1)
        _ = try likelihood.add(1)
        let before = likelihood
        #expect(throws: MonitoringError.nonFiniteScore(.infinity)) { try likelihood.add(.infinity) }
        #expect {
            try likelihood.add(.nan)
        } throws: { error in
            guard case let MonitoringError.nonFiniteScore(value) = error else { return false }
            return value.isNaN
        }
        #expect(likelihood == before)
        #expect(try likelihood.add(3) == AnomalyLikelihood.Reading(average: 2, mean: 1, deviation: 1e-6))
    }

    @Test func settingsOutOfTheirDomainAreRefused() {
        for (window, length, minimum, deviation) in [
            (0, 10, 5, 1e-6), (1, 0, 1, 1e-6), (1, 10, 0, 1e-6), (1, 10, 11, 1e-6), (1, 10, 5, 0), (1, 10, 5, .nan),
        ] {
            #expect(throws: MonitoringError.self) {
                try AnomalyLikelihood(
                    averagingWindow: window, historyLength: length, minimumHistory: minimum,
                    minimumDeviation: deviation)
            }
        }
        do {
            _ = try AnomalyLikelihood(historyLength: 50)
            Issue.record("a history shorter than the default minimum history should be refused")
        } catch {
            #expect("\(error)".contains("minimum history is 100, expected 1 to the history length 50"))
        }
    }
}
