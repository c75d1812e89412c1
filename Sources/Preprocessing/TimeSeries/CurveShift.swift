/// The result of ``curveShift(_:by:)``: new binary labels and the rows they belong to.
public struct CurveShift: Sendable, Equatable {
    /// The shifted 0/1 labels, one per kept row.
    public var labels: [Int]
    /// The indices of the original rows that are kept (every row whose original label was 0).
    public var keptRows: [Int]
}

/// Moves rare-event labels earlier in time, so a model learns to flag an event *before* it happens.
///
/// This is the reference code's `curve_shift`: with `v = labels`, repeat `|shift|` times
/// `v += v shifted by one row` (towards earlier rows for a negative shift, later rows for a positive one;
/// the row shifted in gets 0). Then every row whose *original* label is 1 is removed, and a kept row is
/// labelled 1 when `v > 0`. For a shift of −k, the k rows before each event become positive.
///
/// The result is computed directly, in time proportional to the number of rows whatever the shift:
/// after the repeated additions `v[i] > 0` exactly when an event lies at most `|shift|` rows after
/// (negative shift) or before (positive shift) row `i`.
///
/// ```swift
/// let shifted = try curveShift([0, 0, 0, 1, 0], by: -2)
/// // shifted.labels == [0, 1, 1, 0], shifted.keptRows == [0, 1, 2, 4]
/// ```
///
/// - Throws: ``PreprocessingError/invalidArgument(_:)`` when a label is not 0 or 1.
public func curveShift(_ labels: [Int], by shift: Int) throws(PreprocessingError) -> CurveShift {
    if let bad = labels.firstIndex(where: { $0 != 0 && $0 != 1 }) {
        throw .invalidArgument("curve shift needs 0/1 labels; row \(bad) has \(labels[bad])")
    }
    // Distance (in rows) from each row to the nearest event on the shifted side; a shift larger than
    // the series reaches every row, so it is clamped to the row count.
    let reach = Int(min(shift.magnitude, UInt(labels.count)))
    var positive = [Bool](repeating: false, count: labels.count)
    var lastEvent: Int?
    let order: [Int] = shift < 0 ? Array(labels.indices.reversed()) : Array(labels.indices)
    for i in order {
        if let event = lastEvent, (event - i).magnitude <= reach { positive[i] = true }
        if labels[i] == 1 { lastEvent = i }
    }
    let kept = labels.indices.filter { labels[$0] == 0 }
    return CurveShift(labels: kept.map { positive[$0] ? 1 : 0 }, keptRows: kept)
}

extension Table {
    /// The table after ``curveShift(_:by:)`` of its 0/1 label column: event rows removed, the label
    /// column replaced by the shifted labels.
    ///
    /// - Throws: ``PreprocessingError`` when the column is missing, not numeric or not 0/1.
    public func curveShifted(label name: String, by shift: Int) throws(PreprocessingError) -> Table {
        let values = try numbers(name)
        var labels: [Int] = []
        labels.reserveCapacity(values.count)
        for (row, value) in values.enumerated() {
            guard value == 0 || value == 1 else {
                throw .invalidArgument("curve shift needs 0/1 labels; column '\(name)' row \(row) has \(value)")
            }
            labels.append(Int(value))
        }
        let shifted = try curveShift(labels, by: shift)
        var table = try selecting(rows: shifted.keptRows)
        try table.setColumn(name, to: .numbers(shifted.labels.map(Double.init)))
        return table
    }
}
