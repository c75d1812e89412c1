import Foundation
import Preprocessing
import TestSupport
import Testing

/// The reference pipeline on the real file, with the counts REFERENCE.md states.
@Suite(.enabled(if: SharedData.hasSheetBreak, "sheet-break.csv not found in ../shared/data; real-data tests skipped"))
struct SheetBreakDataTests {
    @Test func referencePipelineGivesThePublishedCounts() throws {
        let table = try Table(contentsOfCSV: SharedData.url("sheet-break.csv")!, types: .numeric(except: ["time"]))
        #expect(table.rowCount == 18_398)
        #expect(table.columnNames.count == 63)
        #expect(try table.numbers("y").filter { $0 == 1 }.count == 124)

        let shifted = try table.curveShifted(label: "y", by: -2)
        let labels = try shifted.numbers("y").map { Int($0) }
        #expect(shifted.rowCount == 18_274)
        #expect(labels.filter { $0 == 1 }.count == 247)

        let features = try shifted.dropping(["time", "y", "x28", "x61"]).tensor()
        #expect(features.shape == [18_274, 59])
        let (windows, windowLabels) = try temporalize(features, labels: labels, lookback: 5)
        #expect(windows.shape == [18_268, 5, 59])

        let outer = try trainTestSplit(count: windowLabels.count, testSize: 0.2, randomState: 123)
        let inner = try trainTestSplit(count: outer.train.count, testSize: 0.2, randomState: 123)
        #expect([inner.train.count, inner.test.count, outer.test.count] == [Int]([11_691, 2_923, 3_654]))
        let trainLabels = inner.train.map { windowLabels[outer.train[$0]] }
        #expect(trainLabels.filter { $0 == 0 }.count == 11_536)
    }
}
