import Foundation

/// Per-class precision, recall, F1 and support, with accuracy and macro/weighted averages, formatted
/// exactly like scikit-learn's `classification_report`.
///
/// ```swift
/// print(try ClassificationReport(labels: y, predictions: predicted, targetNames: ["normal", "break"]))
/// ```
public struct ClassificationReport: Sendable, CustomStringConvertible {
    /// One line of the report.
    public struct Row: Sendable, Hashable {
        /// The class name or `"macro avg"` / `"weighted avg"`.
        public var name: String
        /// Precision of the class (or the average).
        public var precision: Double
        /// Recall of the class (or the average).
        public var recall: Double
        /// F1 score of the class (or the average).
        public var f1: Double
        /// The number of samples of the class (or all samples for the averages).
        public var support: Int
    }

    /// The confusion matrix the report is computed from.
    public let confusionMatrix: ConfusionMatrix
    /// The rows for class 0 and class 1.
    public let classes: [Row]
    /// The unweighted mean of the class rows.
    public let macroAverage: Row
    /// The support-weighted mean of the class rows.
    public let weightedAverage: Row
    /// The number of decimals printed (sklearn's `digits`, default 2).
    public var digits: Int

    /// Builds the report from 0/1 labels and predictions.
    ///
    /// - Throws: ``MetricsError`` as ``ConfusionMatrix/init(labels:predictions:)``.
    public init(labels: [Int], predictions: [Int], targetNames: [String] = ["0", "1"], digits: Int = 2)
        throws(MetricsError)
    {
        guard targetNames.count == 2 else {
            throw .invalidArgument("a binary report needs two target names, got \(targetNames.count)")
        }
        let matrix = try ConfusionMatrix(labels: labels, predictions: predictions)
        confusionMatrix = matrix
        self.digits = digits
        let rows = [matrix.swappingClasses, matrix].enumerated().map { index, counts in
            Row(
                name: targetNames[index], precision: counts.precision, recall: counts.recall, f1: counts.f1,
                support: counts.positives)
        }
        classes = rows
        let total = Double(matrix.total)
        func average(_ name: String, _ weight: (Row) -> Double) -> Row {
            Row(
                name: name, precision: rows.reduce(0) { $0 + weight($1) * $1.precision },
                recall: rows.reduce(0) { $0 + weight($1) * $1.recall },
                f1: rows.reduce(0) { $0 + weight($1) * $1.f1 }, support: matrix.total)
        }
        macroAverage = average("macro avg") { _ in 0.5 }
        weightedAverage = average("weighted avg") { Double($0.support) / total }
    }

    /// The report text, character for character as sklearn prints it.
    public var description: String {
        let width = Swift.max(classes.map(\.name.count).max() ?? 0, "weighted avg".count, digits)
        func pad(_ text: String, _ size: Int) -> String {
            String(repeating: " ", count: Swift.max(0, size - text.count)) + text
        }
        func number(_ value: Double) -> String { pad(String(format: "%.\(digits)f", value), 9) }
        func line(_ row: Row) -> String {
            pad(row.name, width) + " "
                + [number(row.precision), number(row.recall), number(row.f1), pad("\(row.support)", 9)]
                .map { " " + $0 }.joined() + "\n"
        }
        var text =
            pad("", width) + " " + ["precision", "recall", "f1-score", "support"].map { " " + pad($0, 9) }.joined()
            + "\n\n"
        for row in classes { text += line(row) }
        text += "\n"
        text +=
            pad("accuracy", width) + " " + " " + pad("", 9) + " " + pad("", 9) + " " + number(confusionMatrix.accuracy)
            + " " + pad("\(confusionMatrix.total)", 9) + "\n"
        text += line(macroAverage) + line(weightedAverage)
        return text
    }
}
