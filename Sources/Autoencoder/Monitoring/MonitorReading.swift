/// What a ``StreamingMonitor`` reports for one row of one stream.
public struct MonitorReading: Sendable, Equatable {
    /// The row's number within its stream, from 0.
    public var row: Int
    /// The reconstruction error of the window ending at this row; `nil` while the stream's first
    /// `lookback` rows fill the window.
    public var score: Float?
    /// Whether ``score`` is above the detector's threshold (`false` while the window fills).
    public var isAboveThreshold: Bool
    /// The stream's alarm after this row.
    public var alarm: AlarmState

    /// Creates a reading.
    public init(row: Int, score: Float?, isAboveThreshold: Bool, alarm: AlarmState) {
        (self.row, self.score, self.isAboveThreshold, self.alarm) = (row, score, isAboveThreshold, alarm)
    }
}
