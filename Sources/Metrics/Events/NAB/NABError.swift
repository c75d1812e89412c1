/// Why NAB labels, profiles or detector scores could not be used.
public enum NABError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A labels or profiles file could not be read or is not the JSON NAB writes.
    case unreadable(file: String, reason: String)
    /// The labels have no entry for a series.
    case unknownSeries(String)
    /// A timestamp is not `YYYY-MM-DD HH:MM:SS[.ffffff]`.
    case invalidTimestamp(series: String, row: Int?, text: String)
    /// A window's start or end timestamp is not one of the series' timestamps (NAB requires an exact match).
    case timestampNotFound(series: String, timestamp: String)
    /// A window is empty, out of the series' rows, or overlaps or precedes the window before it.
    case invalidWindow(series: String, index: Int, reason: String)
    /// A series has a different number of anomaly scores than rows.
    case lengthMismatch(series: String, rows: Int, scores: Int)
    /// An anomaly score is NaN or infinite.
    case nonFiniteScore(series: String, row: Int)
    /// A profile weight is negative or not finite, or the probation percentage is not in [0, 1].
    case invalidParameter(String)
    /// There are no series to score.
    case emptyCorpus

    public var description: String {
        switch self {
        case let .unreadable(file, reason): "\(file): \(reason)"
        case let .unknownSeries(name): "the labels have no series named \(name)"
        case let .invalidTimestamp(series, row, text):
            "\(series)\(row.map { ", row \($0)" } ?? ""): timestamp \"\(text)\" is not YYYY-MM-DD HH:MM:SS[.ffffff]"
        case let .timestampNotFound(series, timestamp):
            "\(series): window bound \(timestamp) is not a timestamp of the series (NAB needs an exact match)"
        case let .invalidWindow(series, index, reason): "\(series): window \(index) \(reason)"
        case let .lengthMismatch(series, rows, scores): "\(series): \(rows) rows but \(scores) anomaly scores"
        case let .nonFiniteScore(series, row): "\(series): the anomaly score of row \(row) is not finite"
        case let .invalidParameter(message): message
        case .emptyCorpus: "no series to score"
        }
    }
}
