/// Why a metric could not be computed.
public enum MetricsError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Labels and scores (or predictions) have different lengths.
    case lengthMismatch(labels: Int, values: Int)
    /// There is nothing to evaluate.
    case empty
    /// A label is not 0 or 1 (the positive class is 1).
    case invalidLabel(index: Int, value: Int)
    /// A score is NaN or infinite.
    case nonFiniteScore(index: Int)
    /// Only one class is present, so the metric is undefined. (scikit-learn warns and returns NaN or a
    /// placeholder; RareEventKit throws rather than hand back a meaningless number.)
    case singleClass(present: Int, metric: String)
    /// `auc(x:y:)` needs `x` sorted one way.
    case notMonotonic
    /// An argument is out of its domain.
    case invalidArgument(String)
    /// A timestamp is not finite, or goes back in time (`index` is its row).
    case invalidTimestamp(index: Int, reason: String)

    public var description: String {
        switch self {
        case let .lengthMismatch(labels, values): "\(labels) labels but \(values) scores or predictions"
        case .empty: "no samples to evaluate"
        case let .invalidLabel(index, value): "label \(index) is \(value); labels must be 0 or 1"
        case let .nonFiniteScore(index): "score \(index) is not finite"
        case let .singleClass(present, metric):
            "only class \(present) is present in the labels; \(metric) is not defined in that case"
        case .notMonotonic: "x is neither increasing nor decreasing"
        case let .invalidArgument(message): message
        case let .invalidTimestamp(index, reason): "timestamp \(index) \(reason)"
        }
    }
}

/// Checks 0/1 labels against values of the same length.
func validate(labels: [Int], count: Int) throws(MetricsError) {
    guard labels.count == count else { throw .lengthMismatch(labels: labels.count, values: count) }
    guard !labels.isEmpty else { throw .empty }
    if let bad = labels.firstIndex(where: { $0 != 0 && $0 != 1 }) {
        throw .invalidLabel(index: bad, value: labels[bad])
    }
}
