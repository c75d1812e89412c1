/// One labelled event: a maximal run of positive rows (`label == 1`) in a labelled series, such as one
/// sheet break or one anomaly window.
///
/// ```swift
/// let events = try LabelledEvent.events(in: [0, 1, 1, 0, 0, 1])
/// // [LabelledEvent(rows: 1...2), LabelledEvent(rows: 5...5)]
/// ```
public struct LabelledEvent: Sendable, Hashable, CustomStringConvertible {
    /// The event's rows, first to last (both inclusive).
    public var rows: ClosedRange<Int>

    /// An event covering `rows`.
    public init(rows: ClosedRange<Int>) { self.rows = rows }

    /// The event's first row: the moment a prediction must come before.
    public var start: Int { rows.lowerBound }
    /// The event's last row.
    public var end: Int { rows.upperBound }

    /// The events in 0/1 labels, in order: every maximal run of 1s.
    ///
    /// - Throws: ``MetricsError/invalidLabel(index:value:)`` for a label other than 0 or 1.
    /// - Complexity: O(*n*).
    public static func events(in labels: [Int]) throws(MetricsError) -> [LabelledEvent] {
        var events: [LabelledEvent] = []
        var runStart: Int?
        for (index, label) in labels.enumerated() {
            switch label {
            case 1: if runStart == nil { runStart = index }
            case 0:
                if let start = runStart {
                    events.append(LabelledEvent(rows: start...(index - 1)))
                    runStart = nil
                }
            default: throw .invalidLabel(index: index, value: label)
            }
        }
        if let start = runStart { events.append(LabelledEvent(rows: start...(labels.count - 1))) }
        return events
    }

    public var description: String { "rows \(start)...\(end)" }
}
