import Preprocessing
import Tensor
import Testing

@Suite struct CurveShiftTests {
    @Test func marksThePrecedingRowsAndRemovesTheEvents() throws {
        let shifted = try curveShift([0, 0, 0, 1, 0], by: -2)
        #expect(shifted.labels == [0, 1, 1, 0])
        #expect(shifted.keptRows == [0, 1, 2, 4])
    }

    @Test(arguments: PreprocessingFixture.shared.curveShift.indices)
    func matchesTheReferenceCode(index: Int) throws {
        let reference = PreprocessingFixture.shared.curveShift[index]
        let shifted = try curveShift(reference.labels, by: reference.shift)
        #expect(shifted.labels == reference.shifted)
        #expect(shifted.keptRows == reference.keptRows)
    }

    @Test func tableVersionReplacesTheLabelColumn() throws {
        let table = try Table(csv: "y,x\n0,10\n0,11\n1,12\n0,13\n")
        let shifted = try table.curveShifted(label: "y", by: -1)
        #expect(try shifted.numbers("y") == [0, 1, 0])
        #expect(try shifted.numbers("x") == [10, 11, 13])
        #expect(throws: PreprocessingError.self) { try curveShift([0, 2], by: -1) }
    }
}

@Suite struct TemporalizeTests {
    @Test func matchesTheReferenceCode() throws {
        let reference = PreprocessingFixture.shared.temporalize
        let x = Tensor(shape: [reference.rows, reference.features], scalars: reference.x)
        let (windows, labels) = try temporalize(x, labels: Array(0..<reference.rows), lookback: reference.lookback)
        #expect(windows.shape == reference.windowsShape)
        #expect(windows.scalars == reference.windows)
        #expect(labels == reference.labels)
    }

    @Test func flattenTakesTheLastTimestep() throws {
        let windows = Tensor(shape: [2, 3, 2], scalars: (0..<12).map(Float.init))
        #expect(try flatten(windows) == Tensor(rows: [[4, 5], [10, 11]]))
        #expect(throws: PreprocessingError.self) { try flatten(Tensor(rows: [[1]])) }
    }

    @Test func tooFewRowsOrMismatchedLabelsThrow() {
        let x = Tensor(zeros: [6, 2])
        #expect(throws: PreprocessingError.self) { try temporalize(x, labels: Array(0..<6), lookback: 5) }
        #expect(throws: PreprocessingError.self) { try temporalize(x, labels: [0, 1], lookback: 2) }
    }
}
