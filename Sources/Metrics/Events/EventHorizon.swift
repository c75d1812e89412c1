import Foundation

/// How far before an event an alarm may come and still count as predicting it.
///
/// An alarm at row `r` predicts an event starting at row `s` when `r` is in the event's *horizon*
/// `[s - horizon, s]`: for ``rows(_:)`` that is `s - n ≤ r ≤ s`; for ``duration(_:)`` it is
/// `time[s] - d ≤ time[r] ≤ time[s]` (both ends included, so ties at the edge count).
///
/// ```swift
/// let horizon = EventHorizon.duration(60 * 60)   // one hour before a break
/// let sameInRows = EventHorizon.rows(30)          // 30 rows of 2 minutes
/// ```
public enum EventHorizon: Sendable, Hashable, CustomStringConvertible {
    /// A number of rows (at least 0; 0 means only an alarm on the event's first row counts).
    case rows(Int)
    /// A duration in seconds (at least 0); needs timestamps.
    case duration(TimeInterval)

    public var description: String {
        switch self {
        case let .rows(count): "\(count) rows"
        case let .duration(seconds): "\(seconds / 60) minutes"
        }
    }
}
