import Foundation
import Preprocessing
import Tensor
import Testing

/// Regression tests for issue 11: the curve shift looped once per unit of shift; temporalize overflowed.
@Suite struct PreprocessingReliabilityTests {
    /// The reference code's loop, one addition per unit of shift.
    private func naiveCurveShift(_ labels: [Int], by shift: Int) -> [Int] {
        var vector = labels.map(Double.init)
        for _ in 0..<shift.magnitude {
            var shifted = [Double](repeating: 0, count: vector.count)
            if shift < 0 {
                for i in vector.indices.dropLast() { shifted[i] = vector[i + 1] }
            } else {
                for i in vector.indices.dropFirst() { shifted[i] = vector[i - 1] }
            }
            for i in vector.indices { vector[i] += shifted[i] }
        }
        return labels.indices.filter { labels[$0] == 0 }.map { vector[$0] > 0 ? 1 : 0 }
    }

    @Test func curveShiftMatchesTheReferenceLoopForEveryShift() throws {
        var generator = SeededGenerator(seed: 11)
        for _ in 0..<300 {
            let count = Int.random(in: 0...40, using: &generator)
            let labels = (0..<count).map { _ in Int.random(in: 0..<5, using: &generator) == 0 ? 1 : 0 }
            let shift = Int.random(in: -45...45, using: &generator)
            let shifted = try curveShift(labels, by: shift)
            #expect(shifted.labels == naiveCurveShift(labels, by: shift), "\(labels) by \(shift)")
            #expect(shifted.keptRows == labels.indices.filter { labels[$0] == 0 })
        }
    }

    @Test func aHugeShiftTakesNoLongerThanASmallOne() throws {
        var labels = [Int](repeating: 0, count: 20_000)
        labels[10_000] = 1
        func seconds(_ body: () throws -> Void) rethrows -> Double {
            let start = DispatchTime.now().uptimeNanoseconds
            try body()
            return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        }
        // Against three small shifts of the same labels, timed back to back: a busy machine slows both.
        let small = try seconds { for _ in 0..<3 { _ = try curveShift(labels, by: -2) } }
        var earlier = try curveShift(labels, by: 0)
        var later = earlier
        var extreme = earlier
        let time = try seconds {
            earlier = try curveShift(labels, by: -100_000_000)
            later = try curveShift(labels, by: .max)
            extreme = try curveShift(labels, by: .min)
        }
        #expect(earlier.labels == (0..<19_999).map { $0 < 10_000 ? 1 : 0 })
        #expect(later.labels == (0..<19_999).map { $0 < 10_000 ? 0 : 1 })
        #expect(extreme.labels == earlier.labels)
        #expect(time < 10 * small + 0.1, "three huge shifts took \(time) s, three small ones \(small) s")
        let table = try Table(csv: "y,x\n0,10\n0,11\n1,12\n0,13\n")
        #expect(try table.curveShifted(label: "y", by: -100_000_000).numbers("y") == [1, 1, 0])
    }

    @Test func temporalizeRefusesHugeLookbacksWithoutOverflowing() {
        let x = Tensor(rows: [[1, 2], [3, 4], [5, 6]])
        for lookback in [Int.max, Int.max - 1, Int.min, 0, 2] {
            #expect(throws: PreprocessingError.self) { try temporalize(x, labels: [0, 0, 0], lookback: lookback) }
        }
        #expect(
            throws: PreprocessingError.invalidArgument(
                "temporalize: lookback 9223372036854775807 needs at least lookback + 2 rows, got 3")
        ) {
            try temporalize(x, labels: [0, 0, 0], lookback: .max)
        }
        #expect(throws: PreprocessingError.invalidArgument("temporalize: lookback 5 needs at least 7 rows, got 3")) {
            try temporalize(x, labels: [0, 0, 0], lookback: 5)
        }
        #expect(throws: Never.self) { try temporalize(x, labels: [0, 0, 0], lookback: 1) }
    }

    @Test func scalersRefuseToFitNonFiniteValues() throws {
        let x = Tensor(rows: [[1, 2], [3, .nan]])
        var standard = StandardScaler()
        #expect(
            throws: PreprocessingError.invalidArgument(
                "StandardScaler cannot fit non-finite values: sample 1, feature 1 is nan")
        ) {
            try standard.fit(x)
        }
        var minMax = MinMaxScaler()
        #expect(throws: PreprocessingError.self) { try minMax.fit(Tensor(rows: [[.infinity, 2]])) }
        var global = GlobalMinMaxScaler()
        #expect(
            throws: PreprocessingError.invalidArgument(
                "GlobalMinMaxScaler cannot fit non-finite values: sample 0, feature 0 is -inf")
        ) {
            try global.fit(Tensor(rows: [[-.infinity, 2]]))
        }
        try standard.fit(Tensor(rows: [[1, 2], [3, 4]]))
        #expect(standard.mean == [2, 3])
    }
}
