import Foundation
import Metrics
import Testing

/// Hand-computed cases; each comment shows the arithmetic.
@Suite struct EventReportTests {
    @Test func eventsAreMaximalRunsOfPositiveRows() throws {
        #expect(
            try LabelledEvent.events(in: [0, 1, 1, 0, 0, 1]) == [
                LabelledEvent(rows: 1...2), LabelledEvent(rows: 5...5),
            ])
        #expect(try LabelledEvent.events(in: [1, 1]) == [LabelledEvent(rows: 0...1)])
        #expect(try LabelledEvent.events(in: [0, 0]).isEmpty)
        #expect(throws: MetricsError.invalidLabel(index: 2, value: 2)) { try LabelledEvent.events(in: [0, 1, 2]) }
    }

    // Rows:    0 1 2 3 4 5 6 7 8 9 10 11 12 13 14
    // labels:  0 0 0 0 0 1 1 0 0 0 0  0  1  0  0      events A = 5...6, B = 12...12
    // alarms:  . . . x x . x . . x .  .  .  .  x      horizon 2 rows: A [3, 5], B [10, 12]
    // A: first alarm 3, lead 2 rows (4 minutes at 2 minutes a row); alarm 6 is a late one.
    // B: no alarm in [10, 12]: missed. Alarms {3,4}, {6}, {9}, {14}: 4 onsets; {9} and {14} touch no
    // window [3, 6] or [10, 12]: 2 false alarms.
    // Point adjust: alarm 6 lies in A, so rows 5 and 6 count as flagged: tp 2 (5, 6), fp 4 (3, 4, 9, 14),
    // fn 1 (12): precision 2/6, recall 2/3, F1 4/9.
    @Test func leadTimeFalseAlarmsAndPointAdjustOnAHandWorkedSeries() throws {
        let labels = [0, 0, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0, 1, 0, 0]
        let alarms = [0, 0, 0, 1, 1, 0, 1, 0, 0, 1, 0, 0, 0, 0, 1]
        let times = (0..<15).map { Double($0) * 120 }
        let report = try EventReport(labels: labels, alarms: alarms, horizon: .rows(2), timestamps: times)
        #expect(report.events.map(\.firstAlarm) == [3, nil])
        #expect(report.events.map(\.leadRows) == [2, nil])
        #expect(report.events.map(\.leadMinutes) == [4.0, nil])
        #expect(report.events.map(\.firstAlarmDuringEvent) == [6, nil])
        #expect(report.caught == 1 && report.missed == 1 && report.detectedLate == 0)
        #expect(report.alarmCount == 4 && report.falseAlarms == 2)
        #expect(report.falseAlarmsPerThousandRows == 2000.0 / 15)
        #expect(report.days == 14 * 120 / 86_400.0)
        #expect(report.falseAlarmsPerDay == 2 / (14 * 120 / 86_400.0))
        #expect(report.pointAdjusted.adjustedPredictions == [0, 0, 0, 1, 1, 1, 1, 0, 0, 1, 0, 0, 0, 0, 1])
        #expect(report.pointAdjusted.precision == 2.0 / 6)
        #expect(report.pointAdjusted.recall == 2.0 / 3)
        #expect(report.pointAdjusted.f1 == 4.0 / 9)
        // A 4-minute duration horizon covers the same rows.
        let timed = try EventReport(labels: labels, alarms: alarms, horizon: .duration(240), timestamps: times)
        #expect(timed.events == report.events && timed.falseAlarms == 2)
        // Documentation/EventEvaluation.md shows this report.
        #expect(
            timed.description == """
                events: 2 (horizon 4.0 minutes)
                caught: 1 of 2 (50.0%), missed: 1 (0 of them only during the event)
                lead time (rows): median 2.0, quartiles 2.0–2.0, range 2.0–2.0
                lead time (minutes): median 4.0, quartiles 4.0–4.0, range 4.0–4.0
                alarms: 4, false alarms: 2
                false alarms per day: 102.86 (over 0.02 days)
                false alarms per 1,000 rows: 133.33
                point-adjusted precision 0.3333, recall 0.6667, F1 0.4444
                """)
        let lines = report.description.split(separator: "\n").map(String.init)
        #expect(lines.contains("caught: 1 of 2 (50.0%), missed: 1 (0 of them only during the event)"))
        #expect(lines.contains("alarms: 4, false alarms: 2"))
        #expect(lines.contains("point-adjusted precision 0.3333, recall 0.6667, F1 0.4444"))
    }

    @Test func noEventsMakesEveryAlarmFalseAndCountsARisingEdgeAtRowZero() throws {
        let report = try EventReport(labels: [0, 0, 0, 0], alarms: [true, true, false, true], horizon: .rows(1))
        #expect(report.events.isEmpty && report.caught == 0 && report.recall == 0)
        #expect(report.alarmCount == 2 && report.falseAlarms == 2)
        #expect(report.leadRows == nil && report.days == nil && report.falseAlarmsPerDay == nil)
        #expect(report.pointAdjusted.precision == 0 && report.pointAdjusted.recall == 0)
        #expect(report.description.contains("lead time (rows): none caught"))
    }

    // An event at row 0 has the one-row horizon [0, 0]; an alarm there has lead 0 and is not false.
    @Test func eventAtTheStartWithAnAlarmOnTheFirstRow() throws {
        let report = try EventReport(
            labels: [1, 1, 0, 0, 0], alarms: [true, false, false, false, false], horizon: .rows(5))
        #expect(report.events.map(\.event) == [LabelledEvent(rows: 0...1)])
        #expect(
            report.events[0].firstAlarm == 0 && report.events[0].leadRows == 0 && report.events[0].leadMinutes == nil)
        #expect(report.falseAlarms == 0 && report.alarmCount == 1)
        #expect(report.leadRows?.median == 0)
    }

    // Events A = 3...3 and B = 5...5 with a 3-row horizon: A [0, 3]; B [2, 5] cut to [4, 5] after A.
    // The alarm at 2 predicts A only (lead 1); the alarm at 4 predicts B (lead 1). Neither is false.
    @Test func overlappingHorizonsAreCutAtThePreviousEvent() throws {
        let labels = [0, 0, 0, 1, 0, 1, 0]
        let report = try EventReport(
            labels: labels, alarms: [false, false, true, false, true, false, false], horizon: .rows(3))
        #expect(report.events.map(\.firstAlarm) == [2, 4])
        #expect(report.events.map(\.leadRows) == [1, 1])
        #expect(report.falseAlarms == 0)
        let onlyEarly = try EventReport(
            labels: labels, alarms: [false, false, true, false, false, false, false], horizon: .rows(3))
        #expect(onlyEarly.events.map(\.firstAlarm) == [2, nil])
        // A horizon longer than the gap between events: A [0, 3], B [4, 6]; row 7 is in no window.
        let long = try EventReport(
            labels: [0, 0, 0, 1, 0, 0, 1, 0], alarms: [0, 1, 0, 0, 0, 0, 0, 1], horizon: .rows(10))
        #expect(long.events.map(\.firstAlarm) == [1, nil] && long.events[0].leadRows == 2)
        #expect(long.alarmCount == 2 && long.falseAlarms == 1)
    }

    // One-minute rows; the event starts at 300 s, a 120 s horizon reaches back to 180 s = row 3 (a tie
    // with the horizon's edge, included). An alarm at row 2 is too early and false.
    @Test func durationHorizonIncludesATieAtItsEdge() throws {
        let labels = [0, 0, 0, 0, 0, 1]
        let times: [Double] = [0, 60, 120, 180, 240, 300]
        let edge = try EventReport(
            labels: labels, alarms: [0, 0, 0, 1, 0, 0], horizon: .duration(120), timestamps: times)
        #expect(edge.events[0].firstAlarm == 3 && edge.events[0].leadMinutes == 2)
        let early = try EventReport(
            labels: labels, alarms: [0, 0, 1, 0, 0, 0], horizon: .duration(120), timestamps: times)
        #expect(!early.events[0].isCaught && early.falseAlarms == 1)
        let dates = times.map { Date(timeIntervalSince1970: 1_000_000 + $0) }
        let fromDates = try EventReport(
            labels: labels, alarms: [false, false, false, true, false, false],
            horizon: .duration(120), dates: dates)
        #expect(fromDates.events == edge.events)
    }

    // An alarm raised at row 1 and still on when the horizon [4, 6] begins: first alarm 4 (lead 2), and
    // the alarm is not false because it reaches the horizon.
    @Test func anAlarmAlreadyOnWhenTheHorizonBeginsCountsFromTheHorizon() throws {
        let report = try EventReport(labels: [0, 0, 0, 0, 0, 0, 1], alarms: [0, 1, 1, 1, 1, 0, 0], horizon: .rows(2))
        #expect(report.events[0].firstAlarm == 4 && report.events[0].leadRows == 2)
        #expect(report.alarmCount == 1 && report.falseAlarms == 0)
    }

    // An alarm only inside the event (after its first row) is late: not caught, not false.
    @Test func anAlarmOnlyDuringTheEventIsLateNotCaught() throws {
        let report = try EventReport(labels: [0, 0, 1, 1, 1, 0], alarms: [0, 0, 0, 0, 1, 0], horizon: .rows(2))
        #expect(!report.events[0].isCaught && report.events[0].firstAlarmDuringEvent == 4)
        #expect(report.detectedLate == 1 && report.falseAlarms == 0)
        #expect(report.pointAdjusted.recall == 1 && report.pointAdjusted.precision == 1)
    }

    @Test func badInputThrowsTypedErrors() {
        #expect(throws: MetricsError.lengthMismatch(labels: 2, values: 3)) {
            try EventReport(labels: [0, 1], alarms: [0, 0, 0], horizon: .rows(1))
        }
        #expect(throws: MetricsError.empty) { try EventReport(labels: [], alarms: [Bool](), horizon: .rows(1)) }
        #expect(throws: MetricsError.invalidLabel(index: 1, value: 3)) {
            try EventReport(labels: [0, 3], alarms: [0, 0], horizon: .rows(1))
        }
        #expect(throws: MetricsError.self) { try EventReport(labels: [0, 1], alarms: [0, 2], horizon: .rows(1)) }
        #expect(throws: MetricsError.self) { try EventReport(labels: [0, 1], alarms: [0, 0], horizon: .rows(-1)) }
        #expect(throws: MetricsError.self) { try EventReport(labels: [0, 1], alarms: [0, 0], horizon: .duration(60)) }
        #expect(throws: MetricsError.self) {
            try EventReport(labels: [0, 1], alarms: [0, 0], horizon: .duration(.nan), timestamps: [0, 1])
        }
        #expect(throws: MetricsError.invalidTimestamp(index: 1, reason: "is earlier than the one before it")) {
            try EventReport(labels: [0, 1], alarms: [0, 0], horizon: .rows(1), timestamps: [5, 4])
        }
        #expect(throws: MetricsError.invalidTimestamp(index: 0, reason: "is not finite")) {
            try EventReport(labels: [0, 1], alarms: [0, 0], horizon: .rows(1), timestamps: [.nan, 4])
        }
        #expect(throws: MetricsError.self) {
            try EventReport(labels: [0, 1], alarms: [0, 0], horizon: .rows(1), timestamps: [1])
        }
    }

    // np.percentile([4, 1, 10, 2], [25, 50, 75]) == [1.75, 3.0, 5.5]
    @Test func leadTimeQuartilesInterpolateLikeNumPy() throws {
        let summary = try #require(LeadTimeSummary([4, 1, 10, 2]))
        #expect(summary.lowerQuartile == 1.75 && summary.median == 3 && summary.upperQuartile == 5.5)
        #expect(summary.minimum == 1 && summary.maximum == 10 && summary.count == 4)
        #expect(LeadTimeSummary([]) == nil)
        #expect(LeadTimeSummary([7])?.median == 7)
    }

    @Test func pointAdjustmentFlagsTheWholeSegment() throws {
        let scores = try PointAdjustedScores(labels: [0, 1, 1, 1, 0], predictions: [0, 0, 1, 0, 1])
        #expect(scores.adjustedPredictions == [0, 1, 1, 1, 1])
        #expect(scores.precision == 0.75 && scores.recall == 1 && scores.f1 == 6.0 / 7)
        #expect(throws: MetricsError.self) { try PointAdjustedScores(labels: [0, 1], predictions: [0, 5]) }
    }
}
