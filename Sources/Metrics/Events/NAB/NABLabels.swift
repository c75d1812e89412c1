import Foundation

/// NAB's labelled anomaly windows (`labels/combined_windows.json`): for each data file, its windows as
/// `[start, end]` timestamps.
///
/// ```swift
/// let labels = try NABLabels(contentsOf: nab.appending(path: "labels/combined_windows.json"))
/// let series = try labels.series("realKnownCause/nyc_taxi.csv", timestamps: timestampColumn)
/// ```
public struct NABLabels: Sendable, Hashable {
    /// One window, as written in the labels file.
    public struct Window: Sendable, Hashable {
        /// The window's first timestamp.
        public var start: String
        /// The window's last timestamp.
        public var end: String
        /// A window from `start` to `end`.
        public init(start: String, end: String) { (self.start, self.end) = (start, end) }
    }

    /// The windows of each file, keyed by its path relative to NAB's `data/` folder.
    public var windows: [String: [Window]]

    /// Labels from a dictionary.
    public init(windows: [String: [Window]]) { self.windows = windows }

    /// Reads a NAB windows file.
    ///
    /// - Throws: ``NABError/unreadable(file:reason:)`` when the file is missing or not
    ///   `{"<file>": [["<start>", "<end>"], ...], ...}`.
    public init(contentsOf url: URL) throws(NABError) {
        let raw: [String: [[String]]]
        do { raw = try JSONDecoder().decode([String: [[String]]].self, from: Data(contentsOf: url)) } catch {
            throw .unreadable(
                file: url.path, reason: "expected {\"<file>\": [[\"<start>\", \"<end>\"], ...]}: \(error)")
        }
        var windows: [String: [Window]] = [:]
        for (name, pairs) in raw {
            windows[name] = try pairs.enumerated().map { (index, pair) throws(NABError) in
                guard pair.count == 2 else {
                    throw .unreadable(
                        file: url.path, reason: "\(name): window \(index) has \(pair.count) timestamps, expected 2")
                }
                return Window(start: pair[0], end: pair[1])
            }
        }
        self.windows = windows
    }

    /// The scorer's view of the file `name`: its windows mapped to rows of `timestamps` (the file's
    /// `timestamp` column) by exact match, as NAB's `CorpusLabel` requires.
    ///
    /// - Throws: ``NABError`` when the labels do not know `name`, a timestamp cannot be read, or a window
    ///   bound is not one of the timestamps.
    public func series(_ name: String, timestamps: [String]) throws(NABError) -> NABSeries {
        guard let fileWindows = windows[name] else { throw .unknownSeries(name) }
        var rowOf: [Int64: Int] = [:]
        rowOf.reserveCapacity(timestamps.count)
        for (row, text) in timestamps.enumerated() {
            guard let time = NABTimestamp.microseconds(from: text) else {
                throw .invalidTimestamp(series: name, row: row, text: text)
            }
            if rowOf[time] == nil { rowOf[time] = row }
        }
        func row(_ text: String) throws(NABError) -> Int {
            guard let time = NABTimestamp.microseconds(from: text) else {
                throw .invalidTimestamp(series: name, row: nil, text: text)
            }
            guard let row = rowOf[time] else { throw .timestampNotFound(series: name, timestamp: text) }
            return row
        }
        var ranges: [ClosedRange<Int>] = []
        for (index, window) in fileWindows.enumerated() {
            let (start, end) = (try row(window.start), try row(window.end))
            guard start <= end else {
                throw .invalidWindow(
                    series: name, index: index, reason: "ends (\(window.end)) before it starts (\(window.start))")
            }
            ranges.append(start...end)
        }
        return try NABSeries(name: name, rowCount: timestamps.count, windows: ranges)
    }
}
