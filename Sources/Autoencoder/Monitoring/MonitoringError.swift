/// Why a deployed detector or a streaming monitor refused its input.
public enum MonitoringError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The parts of a ``DeployedDetector`` do not fit together (the message says which and why).
    case invalidDetector(String)
    /// An ``AlarmPolicy`` setting is out of its domain.
    case invalidPolicy(setting: String, value: Int, expected: String)
    /// An ``AnomalyLikelihood`` setting is out of its domain.
    case invalidSetting(setting: String, value: String, expected: String)
    /// An ``AnomalyLikelihood`` was given NaN or an infinity; its state is unchanged.
    case nonFiniteScore(Double)
    /// A row has the wrong number of values.
    case wrongRowWidth(stream: String, expected: Int, found: Int)
    /// A row holds NaN or an infinity; the row is refused and the stream's state is unchanged.
    case nonFiniteValue(stream: String, column: String, value: Float)
    /// The stream is not known to the monitor (``StreamingMonitor/allowsNewStreams`` is off, or it was
    /// removed).
    case unknownStream(String)
    /// Adding the stream would exceed ``StreamingMonitor/maximumStreams``.
    case tooManyStreams(limit: Int)

    public var description: String {
        switch self {
        case let .invalidDetector(reason): "invalid detector: \(reason)"
        case let .invalidPolicy(setting, value, expected):
            "invalid alarm policy: \(setting) is \(value), expected \(expected)"
        case let .invalidSetting(setting, value, expected):
            "invalid anomaly likelihood: \(setting) is \(value), expected \(expected)"
        case let .nonFiniteScore(score): "the anomaly score \(score) is not a finite number; it was not used"
        case let .wrongRowWidth(stream, expected, found):
            Self.prefix(stream) + "expected a row of \(expected) values (the detector's columns), found \(found)"
        case let .nonFiniteValue(stream, column, value):
            Self.prefix(stream) + "column '\(column)' is \(value), expected a finite number; the row was not used"
        case let .unknownStream(stream): "unknown stream '\(stream)'"
        case let .tooManyStreams(limit): "too many streams: at most \(limit) can be monitored at once"
        }
    }

    /// "stream 'id': ", or nothing for the unnamed stream of a single-stream monitor.
    private static func prefix(_ stream: String) -> String { stream.isEmpty ? "" : "stream '\(stream)': " }
}
