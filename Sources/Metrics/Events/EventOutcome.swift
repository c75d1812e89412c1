/// What the alarms did about one labelled event: the first alarm in its horizon (if any) and how early
/// it came.
public struct EventOutcome: Sendable, Hashable {
    /// The event.
    public var event: LabelledEvent
    /// The first row of the event's horizon that had an alarm on, or `nil` when the event was missed.
    /// The horizon is `[start - horizon, start]`, cut so that it begins after the previous event's last
    /// row (an alarm during or before the previous event does not predict this one).
    public var firstAlarm: Int?
    /// The first row *after* the event's first row and inside the event that had an alarm on: a late
    /// detection. It does not make the event caught (the goal is to predict, not to notice), but such
    /// alarms are not false alarms either.
    public var firstAlarmDuringEvent: Int?
    /// `start - firstAlarm` (0 for an alarm on the event's first row), or `nil` when missed.
    public var leadRows: Int?
    /// `(time[start] - time[firstAlarm]) / 60`, when timestamps were given and the event was caught.
    public var leadMinutes: Double?

    /// Whether an alarm came inside the horizon.
    public var isCaught: Bool { firstAlarm != nil }
}
