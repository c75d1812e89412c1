internal import FileFormats
import Foundation
import RareEventKit

/// Why an example run stopped before training, or could not keep its results. Each `description` is one
/// line naming the file or setting and what was expected.
public enum ExperimentError: Error, Equatable, CustomStringConvertible {
    /// A setting that does not fit the data (such as a curve shift as long as the data): the command line's
    /// fault, so the programs exit with status 2.
    case invalidSetting(option: String, value: String, expected: String)
    /// The data file does not hold what the experiment needs (`expected`); `found` says what it holds.
    case unexpectedData(file: String, expected: String, found: String)
    /// The output folder cannot be created or written to.
    case outputFolder(path: String, reason: String)

    /// One line, without the `error: ` prefix.
    public var description: String {
        switch self {
        case let .invalidSetting(option, value, expected):
            "option '--\(displayed(option))': '\(displayed(value))' does not fit the data; expected \(expected)"
        case let .unexpectedData(file, expected, found):
            "\(displayed(file)): expected \(expected); found \(found)"
        case let .outputFolder(path, reason):
            "\(displayed(path)): cannot write the results there (\(reason))"
        }
    }
}

/// The row and column of the first non-finite value of a `[rows, columns]` tensor, if any (NaN or ±inf in
/// the data would train a NaN model without a word).
func firstNonFinite(_ tensor: Tensor) -> (row: Int, column: Int)? {
    let columns = Swift.max(1, tensor.shape.dropFirst().reduce(1, *))
    return tensor.withUnsafeBufferPointer { values in
        values.firstIndex { !$0.isFinite }.map { ($0 / columns, $0 % columns) }
    }
}
