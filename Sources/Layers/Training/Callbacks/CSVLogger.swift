import Foundation

/// Streams each epoch's logs to a CSV file (Keras `CSVLogger`): a header `epoch,<keys sorted>` then one
/// row per epoch, epochs 0-based. The file is rewritten atomically after every epoch (a temporary file
/// beside it, flushed, then renamed over it), so it is always complete and readable while training
/// runs, even if the run is killed. Missing parent folders are created.
///
/// ```swift
/// try model.fit(x, x, epochs: 200, callbacks: [CSVLogger(path: URL(fileURLWithPath: "training.csv"))])
/// ```
public final class CSVLogger: Callback {
    /// The file written.
    public let path: URL
    /// The field separator.
    public let separator: String
    /// Keep the rows of an existing file and add to them.
    public let append: Bool
    private var keys: [String]?
    private var text = ""

    /// Creates the callback.
    public init(path: URL, separator: String = ",", append: Bool = false) {
        self.path = path
        self.separator = separator
        self.append = append
    }

    public func onTrainBegin(model: Sequential) throws {
        keys = nil
        text = ""
        if append, let existing = try? String(contentsOf: path, encoding: .utf8), !existing.isEmpty {
            text = existing.hasSuffix("\n") ? existing : existing + "\n"
            if let header = existing.split(separator: "\n").first {
                keys = Array(String(header).components(separatedBy: separator).dropFirst())
            }
        }
    }

    public func onEpochEnd(_ epoch: Int, logs: Logs, model: Sequential) throws {
        if keys == nil {
            keys = logs.keys.sorted()
            text += (["epoch"] + keys!).joined(separator: separator) + "\n"
        }
        text += (["\(epoch)"] + keys!.map { logs[$0].map { "\($0)" } ?? "" }).joined(separator: separator) + "\n"
        try writeAtomically(Data(text.utf8), to: path)
    }
}
