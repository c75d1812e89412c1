internal import FileFormats
import Foundation

/// A 2-D chart — lines, markers, histogram bars and reference lines — rendered to a standalone SVG file
/// with axes, ticks, labels and a legend, without any dependency.
///
/// ```swift
/// var chart = Chart(title: "Model loss", xLabel: "epoch", yLabel: "loss")
/// chart.add(Chart.Series(name: "loss", x: epochs, y: losses))
/// try chart.write(to: URL(fileURLWithPath: "loss.svg"))
/// ```
///
/// Ready-made charts for the rare-event workflow are static builders: ``lossCurve(loss:validationLoss:)``,
/// ``precisionRecallVersusThreshold(_:)``, ``reconstructionErrors(_:labels:threshold:scale:)``,
/// ``roc(_:)``, ``errorHistogram(normal:anomalous:threshold:bins:)``; ``ConfusionMatrixChart`` draws a heatmap.
public struct Chart: Sendable {
    /// One data set of a chart.
    public struct Series: Sendable {
        /// How the points are drawn.
        public enum Style: Sendable, Hashable {
            /// Points joined by a line.
            case line
            /// One dot per point.
            case markers(radius: Double)
            /// Histogram bars: `x` holds the bin edges (one more than `y`).
            case bars
        }

        /// The legend entry.
        public var name: String
        /// The x values (bin edges for ``Style/bars``).
        public var x: [Double]
        /// The y values.
        public var y: [Double]
        /// How to draw it.
        public var style: Style
        /// A CSS colour; `nil` picks the next one of the palette.
        public var color: String?

        /// Creates a series.
        public init(name: String, x: [Double], y: [Double], style: Style = .line, color: String? = nil) {
            self.name = name
            self.x = x
            self.y = y
            self.style = style
            self.color = color
        }
    }

    /// A horizontal or vertical marker line, such as a threshold.
    public struct ReferenceLine: Sendable {
        /// Whether the line is horizontal (at a y value) or vertical (at an x value).
        public enum Orientation: Sendable {
            /// A line across the plot at a y value.
            case horizontal
            /// A line across the plot at an x value.
            case vertical
        }
        /// The legend entry.
        public var name: String
        /// The coordinate of the line.
        public var value: Double
        /// Its orientation.
        public var orientation: Orientation
        /// A CSS colour.
        public var color: String

        /// Creates a reference line.
        public init(name: String, value: Double, orientation: Orientation, color: String = "#d62728") {
            self.name = name
            self.value = value
            self.orientation = orientation
            self.color = color
        }
    }

    /// The title above the plot.
    public var title: String
    /// The x axis label.
    public var xLabel: String
    /// The y axis label.
    public var yLabel: String
    /// The data sets, drawn in order.
    public var series: [Series] = []
    /// Marker lines drawn over the data.
    public var referenceLines: [ReferenceLine] = []
    /// The x axis scale.
    public var xScale: AxisScale = .linear
    /// The y axis scale.
    public var yScale: AxisScale = .linear
    /// A fixed x range (otherwise fitted to the data).
    public var xRange: ClosedRange<Double>?
    /// A fixed y range (otherwise fitted to the data).
    public var yRange: ClosedRange<Double>?
    /// The picture size in pixels.
    public var size: (width: Double, height: Double) = (720, 450)

    /// The matplotlib "tab10" colours.
    static let palette = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f"]

    /// Creates an empty chart.
    public init(title: String, xLabel: String, yLabel: String) {
        self.title = title
        self.xLabel = xLabel
        self.yLabel = yLabel
    }

    /// Appends a series.
    public mutating func add(_ series: Series) { self.series.append(series) }

    /// The chart as SVG text.
    ///
    /// - Throws: ``ChartError/noData(_:)`` when no series has a drawable point.
    public func svg() throws(ChartError) -> String {
        let xs = series.flatMap(\.x) + referenceLines.filter { $0.orientation == .vertical }.map(\.value)
        var ys = series.flatMap(\.y) + referenceLines.filter { $0.orientation == .horizontal }.map(\.value)
        if series.contains(where: { $0.style == .bars }) && yScale == .linear { ys.append(0) }
        let xAxis = Axis(values: xs, scale: xScale, fixed: xRange)
        let yAxis = Axis(values: ys, scale: yScale, fixed: yRange)
        guard series.contains(where: { s in zip(s.x, s.y).contains { xAxis.contains($0) && yAxis.contains($1) } })
        else {
            throw .noData(title)
        }
        var document = SVGDocument(width: size.width, height: size.height)
        let (left, right, top, bottom) = (78.0, size.width - 24, 48.0, size.height - 60)
        func px(_ x: Double) -> Double { left + xAxis.fraction(x) * (right - left) }
        func py(_ y: Double) -> Double { bottom - yAxis.fraction(y) * (bottom - top) }
        func inside(_ x: Double, _ y: Double) -> Bool {
            xAxis.contains(x) && yAxis.contains(y) && (-1e-9...1 + 1e-9).contains(xAxis.fraction(x))
                && (-1e-9...1 + 1e-9).contains(yAxis.fraction(y))
        }

        // Grid, ticks and labels.
        for tick in xAxis.ticks {
            document.line(px(tick), top, px(tick), bottom, stroke: "#e6e6e6")
            document.line(px(tick), bottom, px(tick), bottom + 5, stroke: "#333")
            document.text(Axis.label(tick), px(tick), bottom + 19, size: 11)
        }
        for tick in yAxis.ticks {
            document.line(left, py(tick), right, py(tick), stroke: "#e6e6e6")
            document.line(left - 5, py(tick), left, py(tick), stroke: "#333")
            document.text(Axis.label(tick), left - 8, py(tick) + 4, size: 11, anchor: .end)
        }
        document.rect(left, top, right - left, bottom - top, fill: "none", stroke: "#333")
        document.text(title, (left + right) / 2, 28, size: 16, weight: "bold")
        document.text(xLabel, (left + right) / 2, size.height - 18, size: 13)
        document.text(yLabel, 20, (top + bottom) / 2, size: 13, rotate: true)

        // Data.
        var legend: [(String, String, Bool)] = []
        for (index, series) in series.enumerated() {
            let color = series.color ?? Self.palette[index % Self.palette.count]
            switch series.style {
            case .line:
                let points = zip(series.x, series.y).filter { inside($0, $1) }.map { (px($0), py($1)) }
                document.polyline(points, stroke: color)
            case let .markers(radius):
                for (x, y) in zip(series.x, series.y) where inside(x, y) {
                    document.circle(px(x), py(y), radius: radius, fill: color, opacity: 0.7)
                }
            case .bars:
                let base = yScale == .linear ? py(Swift.max(0, yAxis.lower)) : bottom
                for (i, y) in series.y.enumerated() where i + 1 < series.x.count && inside(series.x[i], y) && y > 0 {
                    document.rect(
                        px(series.x[i]), py(y), px(series.x[i + 1]) - px(series.x[i]), base - py(y),
                        fill: color, stroke: "white", opacity: 0.55)
                }
            }
            legend.append((series.name, color, series.style == .line))
        }
        for line in referenceLines {
            if line.orientation == .horizontal, inside(xAxis.lower, line.value) {
                document.line(left, py(line.value), right, py(line.value), stroke: line.color, width: 2, dash: "6 4")
            } else if line.orientation == .vertical, inside(line.value, yAxis.lower) {
                document.line(px(line.value), top, px(line.value), bottom, stroke: line.color, width: 2, dash: "6 4")
            }
            legend.append((line.name, line.color, true))
        }

        // Legend, top right.
        let entries = legend.filter { !$0.0.isEmpty }
        if !entries.isEmpty {
            let width = Double(entries.map(\.0.count).max()!) * 7 + 44
            let x = right - width - 10
            document.rect(
                x, top + 10, width, Double(entries.count) * 20 + 8, fill: "white", stroke: "#999", opacity: 0.9)
            for (i, entry) in entries.enumerated() {
                let y = top + 26 + Double(i) * 20
                if entry.2 {
                    document.line(x + 8, y - 4, x + 30, y - 4, stroke: entry.1, width: 3)
                } else {
                    document.circle(x + 19, y - 4, radius: 5, fill: entry.1)
                }
                document.text(entry.0, x + 36, y, size: 12, anchor: .start)
            }
        }
        return document.text
    }

    /// Writes the SVG to `url` atomically (temporary file, then rename), creating missing folders.
    ///
    /// - Throws: ``ChartError``.
    public func write(to url: URL) throws(ChartError) {
        let text = try svg()
        do {
            try AtomicFile.write(Data(text.utf8), to: url)
        } catch {
            throw .unwritable(path: error.path, reason: error.reason)
        }
    }
}
