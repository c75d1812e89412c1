import Foundation

/// How well per-row alarms predicted labelled events: per event, the first alarm in a horizon before
/// it and the lead time; events caught and missed; false alarms (per day, or per 1,000 rows); and
/// point-adjusted precision, recall and F1.
///
/// The definitions, in one place:
/// - An **event** is a maximal run of rows labelled 1 (``LabelledEvent``).
/// - An event is **caught** when an alarm is on at some row of its horizon `[start - horizon, start]`
///   (see ``EventHorizon``; the event's first row is included, so an alarm raised on that very row
///   counts with lead time 0). The horizon is cut to begin after the previous event's last row. Alarms
///   later *inside* the event do not catch it — the goal is to predict, not to notice — and are
///   reported as ``EventOutcome/firstAlarmDuringEvent``.
/// - The **lead time** is `start - firstAlarm` rows, and in minutes `(time[start] - time[firstAlarm]) / 60`.
///   The first alarm is the earliest alarm row in the horizon: an alarm that was already on when the
///   horizon began gives the full horizon as lead time.
/// - An **alarm** is a maximal run of rows with the alarm on; it starts at a rising edge (an *onset*;
///   an alarm on at row 0 is an onset). An alarm is **false** when none of its rows lies in any event's
///   horizon-plus-event window `[start - horizon, end]`. So one long alarm counts once, and an alarm
///   that is still on when a horizon begins is not false.
/// - **False alarms per day** divide by the time the data spans, `(time[last] - time[first]) / 86,400 s`;
///   without timestamps the rate is per 1,000 rows.
/// - **Point-adjusted** scores follow Xu et al. (2018), see ``PointAdjustedScores``.
///
/// ```swift
/// let report = try EventReport(labels: y, alarms: alarms, horizon: .duration(3600), timestamps: seconds)
/// print(report)
/// // events: 2 (horizon 60.0 minutes)
/// // caught: 1 of 2 (50.0%), missed: 1
/// // ...
/// ```
public struct EventReport: Sendable, CustomStringConvertible {
    /// One outcome per labelled event, in order.
    public let events: [EventOutcome]
    /// The horizon used.
    public let horizon: EventHorizon
    /// The number of rows evaluated.
    public let rowCount: Int
    /// The number of alarms (alarm onsets, rising edges).
    public let alarmCount: Int
    /// The number of alarms none of whose rows lies in an event's horizon-plus-event window.
    public let falseAlarms: Int
    /// The span of the timestamps in days, when timestamps were given.
    public let days: Double?
    /// Row-by-row precision, recall and F1 after point adjustment of the alarms.
    public let pointAdjusted: PointAdjustedScores

    /// The number of events caught in their horizon.
    public var caught: Int { events.count { $0.isCaught } }
    /// The number of events with no alarm in their horizon.
    public var missed: Int { events.count - caught }
    /// The events caught only late (no alarm in the horizon, but one during the event).
    public var detectedLate: Int { events.count { !$0.isCaught && $0.firstAlarmDuringEvent != nil } }
    /// `caught / events`, or 0 without events.
    public var recall: Double { events.isEmpty ? 0 : Double(caught) / Double(events.count) }
    /// False alarms per day of data, when timestamps were given and span more than 0 seconds.
    public var falseAlarmsPerDay: Double? { days.flatMap { $0 > 0 ? Double(falseAlarms) / $0 : nil } }
    /// False alarms per 1,000 rows.
    public var falseAlarmsPerThousandRows: Double { Double(falseAlarms) * 1000 / Double(rowCount) }
    /// Median and quartiles of the lead times in rows of the caught events (`nil` if none was caught).
    public var leadRows: LeadTimeSummary? { LeadTimeSummary(events.compactMap { $0.leadRows.map(Double.init) }) }
    /// Median and quartiles of the lead times in minutes (`nil` without timestamps or caught events).
    public var leadMinutes: LeadTimeSummary? { LeadTimeSummary(events.compactMap(\.leadMinutes)) }

    /// Evaluates per-row alarms against per-row 0/1 labels.
    ///
    /// - Parameters:
    ///   - labels: 0/1 per row; runs of 1 are the events.
    ///   - alarms: whether the alarm is on, per row (a monitor's alarm state, or `score > threshold`).
    ///   - horizon: how far before an event an alarm may come; ``EventHorizon/duration(_:)`` needs timestamps.
    ///   - timestamps: seconds per row (any origin), non-decreasing; enables minutes and per-day rates.
    /// - Throws: ``MetricsError`` for different lengths, no rows, a label other than 0/1, a negative or
    ///   non-finite horizon, a duration horizon without timestamps, or a timestamp that is not finite or
    ///   goes back in time.
    public init(labels: [Int], alarms: [Bool], horizon: EventHorizon, timestamps: [Double]? = nil) throws(MetricsError)
    {
        try validate(labels: labels, count: alarms.count)
        if let timestamps {
            guard timestamps.count == labels.count else {
                throw .invalidArgument("\(labels.count) labels but \(timestamps.count) timestamps")
            }
            for (index, time) in timestamps.enumerated() {
                guard time.isFinite else { throw .invalidTimestamp(index: index, reason: "is not finite") }
                if index > 0, time < timestamps[index - 1] {
                    throw .invalidTimestamp(index: index, reason: "is earlier than the one before it")
                }
            }
        }
        switch horizon {
        case let .rows(count):
            guard count >= 0 else { throw .invalidArgument("the horizon is \(count) rows; it must be at least 0") }
        case let .duration(seconds):
            guard seconds.isFinite, seconds >= 0 else {
                throw .invalidArgument("the horizon is \(seconds) seconds; it must be finite and at least 0")
            }
            guard timestamps != nil else { throw .invalidArgument("a horizon given as a duration needs timestamps") }
        }
        let labelled = try LabelledEvent.events(in: labels)
        var covered = [Bool](repeating: false, count: labels.count)
        var outcomes: [EventOutcome] = []
        outcomes.reserveCapacity(labelled.count)
        var previousEnd = -1
        for event in labelled {
            let start = event.start
            // The horizon, cut after the previous event. The cut part needs no marking as covered: with
            // one horizon for all events, it lies inside the previous event's own window. Each row is
            // visited once, so the whole evaluation is O(rows).
            var first: Int
            switch horizon {
            case let .rows(count): first = Swift.max(count >= start ? 0 : start - count, previousEnd + 1)
            case let .duration(seconds):
                let times = timestamps!
                let earliest = times[start] - seconds
                first = start
                while first > previousEnd + 1, times[first - 1] >= earliest { first -= 1 }
            }
            for row in first...event.end { covered[row] = true }
            let alarm = (first...start).first { alarms[$0] }
            let late = event.end > start ? (start + 1...event.end).first { alarms[$0] } : nil
            outcomes.append(
                EventOutcome(
                    event: event, firstAlarm: alarm, firstAlarmDuringEvent: late, leadRows: alarm.map { start - $0 },
                    leadMinutes: alarm.flatMap { row in timestamps.map { ($0[start] - $0[row]) / 60 } }))
            previousEnd = event.end
        }
        var onsets = 0
        var falseOnsets = 0
        var row = 0
        while row < alarms.count {
            guard alarms[row] else {
                row += 1
                continue
            }
            onsets += 1
            var touchesWindow = false
            while row < alarms.count, alarms[row] {
                touchesWindow = touchesWindow || covered[row]
                row += 1
            }
            if !touchesWindow { falseOnsets += 1 }
        }
        events = outcomes
        self.horizon = horizon
        rowCount = labels.count
        alarmCount = onsets
        falseAlarms = falseOnsets
        days = timestamps.map { ($0[$0.count - 1] - $0[0]) / 86_400 }
        pointAdjusted = try PointAdjustedScores(labels: labels, predictions: alarms.map { $0 ? 1 : 0 })
    }

    /// Evaluates 0/1 alarms per row; as the `[Bool]` version.
    ///
    /// - Throws: ``MetricsError`` as the `Bool` version, and for an alarm value other than 0 or 1.
    public init(labels: [Int], alarms: [Int], horizon: EventHorizon, timestamps: [Double]? = nil) throws(MetricsError) {
        if let bad = alarms.firstIndex(where: { $0 != 0 && $0 != 1 }) {
            throw .invalidArgument("alarm \(bad) is \(alarms[bad]); alarms must be 0 or 1")
        }
        try self.init(labels: labels, alarms: alarms.map { $0 == 1 }, horizon: horizon, timestamps: timestamps)
    }

    /// Evaluates alarms with `Date` timestamps; as the `[Bool]` version.
    public init(labels: [Int], alarms: [Bool], horizon: EventHorizon, dates: [Date]) throws(MetricsError) {
        try self.init(labels: labels, alarms: alarms, horizon: horizon, timestamps: dates.map(\.timeIntervalSince1970))
    }

    /// One line per figure.
    public var description: String {
        func number(_ value: Double) -> String { String(format: "%.1f", value) }
        func summary(_ name: String, _ s: LeadTimeSummary?) -> String {
            guard let s else { return "lead time (\(name)): none caught" }
            return "lead time (\(name)): median \(number(s.median)), quartiles \(number(s.lowerQuartile))–"
                + "\(number(s.upperQuartile)), range \(number(s.minimum))–\(number(s.maximum))"
        }
        var lines = [
            "events: \(events.count) (horizon \(horizon))",
            "caught: \(caught) of \(events.count) (\(number(100 * recall))%), missed: \(missed)"
                + " (\(detectedLate) of them only during the event)",
            summary("rows", leadRows),
        ]
        if days != nil { lines.append(summary("minutes", leadMinutes)) }
        lines.append("alarms: \(alarmCount), false alarms: \(falseAlarms)")
        if let perDay = falseAlarmsPerDay, let days {
            lines.append(
                "false alarms per day: \(String(format: "%.2f", perDay)) (over \(String(format: "%.2f", days)) days)")
        }
        lines.append("false alarms per 1,000 rows: \(String(format: "%.2f", falseAlarmsPerThousandRows))")
        lines.append(
            String(
                format: "point-adjusted precision %.4f, recall %.4f, F1 %.4f",
                pointAdjusted.precision, pointAdjusted.recall, pointAdjusted.f1))
        return lines.joined(separator: "\n")
    }
}
