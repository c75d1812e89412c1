internal import FileFormats
import Foundation

extension Chart {
    /// Training (and validation) loss per epoch.
    public static func lossCurve(loss: [Double], validationLoss: [Double]? = nil) -> Chart {
        var chart = Chart(title: "Model loss", xLabel: "epoch", yLabel: "loss")
        chart.add(Series(name: "loss", x: loss.indices.map { Double($0 + 1) }, y: loss))
        if let validationLoss {
            chart.add(Series(name: "val_loss", x: validationLoss.indices.map { Double($0 + 1) }, y: validationLoss))
        }
        return chart
    }

    /// Precision and recall against the decision threshold, the picture used to pick a threshold where
    /// they cross.
    public static func precisionRecallVersusThreshold(_ curve: PrecisionRecallCurve) -> Chart {
        var chart = Chart(
            title: "Precision and recall for different thresholds", xLabel: "threshold",
            yLabel: "precision / recall")
        let x = curve.thresholds
        chart.add(Series(name: "precision", x: x, y: Array(curve.precision.dropLast())))
        chart.add(Series(name: "recall", x: x, y: Array(curve.recall.dropLast())))
        chart.yRange = 0...1
        return chart
    }

    /// Reconstruction error per sample, coloured by class, with the threshold as a dashed line.
    public static func reconstructionErrors(
        _ errors: [Float], labels: [Int], threshold: Float,
        scale: AxisScale = .linear
    ) -> Chart {
        var chart = Chart(title: "Reconstruction error by class", xLabel: "sample", yLabel: "reconstruction error")
        chart.yScale = scale
        for (label, name, color) in [(0, "normal", Chart.palette[0]), (1, "event", Chart.palette[1])] {
            let indices = errors.indices.filter { labels.indices.contains($0) && labels[$0] == label }
            chart.add(
                Series(
                    name: name, x: indices.map(Double.init), y: indices.map { Double(errors[$0]) },
                    style: .markers(radius: label == 1 ? 3.5 : 2), color: color))
        }
        chart.referenceLines.append(
            ReferenceLine(
                name: "threshold \(Axis.label(Double(threshold)))",
                value: Double(threshold), orientation: .horizontal))
        return chart
    }

    /// A replayed score over time with the threshold (dashed), the alarm onsets and the events marked:
    /// the picture of a monitor run. Rows without a score (`nil`, a window still filling, or not
    /// finite) leave a gap in the line; alarm onsets (rising edges of `alarms`) are drawn on the score
    /// line, event starts (rising edges of `labels`) along the top of the chart.
    ///
    /// ```swift
    /// let chart = Chart.scoreTimeline(
    ///     scores: [0.1, 0.2, 0.9, 0.3], times: [0, 2, 4, 6], threshold: 0.5,
    ///     alarms: [false, false, true, false], labels: [0, 0, 0, 1], timeUnit: "hours")
    /// ```
    ///
    /// - Parameters:
    ///   - scores: One score per row (`nil` when the row has none).
    ///   - times: The x position of each row (for example hours since the replay began).
    ///   - threshold: The alarm threshold.
    ///   - alarms: Whether the alarm is on, per row.
    ///   - labels: 0/1 per row; each run of 1 is an event.
    ///   - timeUnit: The x axis label's unit.
    public static func scoreTimeline(
        scores: [Float?], times: [Double], threshold: Float, alarms: [Bool], labels: [Int],
        timeUnit: String = "hours"
    ) -> Chart {
        var chart = Chart(title: "Score over time", xLabel: "time (\(timeUnit))", yLabel: "reconstruction error")
        chart.yScale = .logarithmic
        let count = Swift.min(scores.count, times.count)
        let scored = (0..<count).filter { scores[$0].map { $0.isFinite && $0 > 0 } ?? false }
        chart.add(
            Series(
                name: "score", x: scored.map { times[$0] }, y: scored.map { Double(scores[$0]!) },
                color: Chart.palette[0]))
        let onsets = (0..<Swift.min(count, alarms.count)).filter { alarms[$0] && ($0 == 0 || !alarms[$0 - 1]) }
        if !onsets.isEmpty {
            chart.add(
                Series(
                    name: "alarm raised", x: onsets.map { times[$0] },
                    y: onsets.map { Double(scores[$0].flatMap { $0.isFinite && $0 > 0 ? $0 : nil } ?? threshold) },
                    style: .markers(radius: 3.5), color: Chart.palette[2]))
        }
        let top = Swift.max(Double(scored.map { scores[$0]! }.max() ?? threshold), Double(threshold))
        let starts = (0..<Swift.min(count, labels.count)).filter { labels[$0] == 1 && ($0 == 0 || labels[$0 - 1] != 1) }
        if !starts.isEmpty {
            chart.add(
                Series(
                    name: "event", x: starts.map { times[$0] }, y: starts.map { _ in top },
                    style: .markers(radius: 4.5), color: Chart.palette[1]))
        }
        chart.referenceLines.append(
            ReferenceLine(
                name: "threshold \(Axis.label(Double(threshold)))",
                value: Double(threshold), orientation: .horizontal))
        return chart
    }

    /// The ROC curve with its AUC in the legend, and the chance diagonal.
    public static func roc(_ curve: ROCCurve) -> Chart {
        var chart = Chart(
            title: "Receiver operating characteristic", xLabel: "false positive rate",
            yLabel: "true positive rate")
        chart.add(
            Series(
                name: String(format: "ROC (AUC = %.3f)", curve.area), x: curve.falsePositiveRate,
                y: curve.truePositiveRate))
        chart.add(Series(name: "chance", x: [0, 1], y: [0, 1], color: "#999999"))
        chart.xRange = 0...1
        chart.yRange = 0...1
        return chart
    }

    /// Histograms of the errors of normal and anomalous samples on common bins, with the threshold.
    public static func errorHistogram(normal: [Float], anomalous: [Float], threshold: Float, bins: Int = 50) -> Chart {
        var chart = Chart(title: "Reconstruction error histogram", xLabel: "reconstruction error", yLabel: "samples")
        let all = (normal + anomalous).filter(\.isFinite).map(Double.init)
        let low = all.min() ?? 0
        let high = Swift.max(all.max() ?? 1, low + 1e-12)
        let edges = (0...bins).map { low + (high - low) * Double($0) / Double(bins) }
        func counts(_ values: [Float]) -> [Double] {
            var result = [Double](repeating: 0, count: bins)
            for value in values where value.isFinite {
                result[Swift.min(bins - 1, Int((Double(value) - low) / (high - low) * Double(bins)))] += 1
            }
            return result
        }
        chart.add(Series(name: "normal", x: edges, y: counts(normal), style: .bars))
        chart.add(Series(name: "anomalous", x: edges, y: counts(anomalous), style: .bars))
        chart.referenceLines.append(
            ReferenceLine(
                name: "threshold \(Axis.label(Double(threshold)))",
                value: Double(threshold), orientation: .vertical))
        return chart
    }
}

/// A confusion-matrix heatmap: true class down, predicted class across, counts in the cells.
public struct ConfusionMatrixChart: Sendable {
    /// The counts.
    public var matrix: ConfusionMatrix
    /// The class names, class 0 first.
    public var classNames: [String]
    /// The title.
    public var title: String

    /// Creates a heatmap of `matrix`.
    public init(
        _ matrix: ConfusionMatrix, classNames: [String] = ["normal", "event"], title: String = "Confusion matrix"
    ) {
        self.matrix = matrix
        self.classNames = classNames
        self.title = title
    }

    /// The heatmap as SVG text.
    public func svg() -> String {
        var document = SVGDocument(width: 480, height: 390)
        let (left, top, cell) = (150.0, 80.0, 140.0)
        let counts = matrix.matrix
        let largest = Double(Swift.max(1, counts.flatMap { $0 }.max()!))
        document.text(title, 240, 32, size: 16, weight: "bold")
        document.text("predicted", left + cell, top - 30, size: 13)
        document.text("true", 28, top + cell, size: 13, rotate: true)
        for row in 0..<2 {
            document.text(classNames[row], left - 12, top + cell * (Double(row) + 0.5) + 4, size: 12, anchor: .end)
            document.text(classNames[row], left + cell * (Double(row) + 0.5), top - 10, size: 12)
            for column in 0..<2 {
                // Blue intensity on a square-root scale, so the rare-event cells stay visible.
                let level = (Double(counts[row][column]) / largest).squareRoot()
                let shade = Int(247 - level * 200)
                let fill = String(format: "#%02x%02x%02x", shade, Swift.min(255, shade + 20), 255 - Int(level * 90))
                document.rect(
                    left + cell * Double(column), top + cell * Double(row), cell, cell, fill: fill, stroke: "white")
                document.text(
                    "\(counts[row][column])", left + cell * (Double(column) + 0.5),
                    top + cell * (Double(row) + 0.5) + 7,
                    size: 20, weight: "bold", fill: level > 0.6 ? "white" : "#222")
            }
        }
        return document.text
    }

    /// Writes the SVG to `url` atomically (temporary file, then rename), creating missing folders.
    public func write(to url: URL) throws(ChartError) {
        do {
            try AtomicFile.write(Data(svg().utf8), to: url)
        } catch {
            throw .unwritable(path: error.path, reason: error.reason)
        }
    }
}
