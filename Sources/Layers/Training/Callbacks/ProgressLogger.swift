import Foundation

/// How much `fit` prints, as Keras' `verbose`.
public enum Verbosity: Int, Sendable {
    /// Nothing.
    case silent = 0
    /// A progress bar per epoch that redraws in place on a terminal; one line per epoch otherwise.
    case progressBar = 1
    /// One line per epoch.
    case epochLine = 2
}

/// Prints Keras-style progress:
///
///     Epoch 3/10
///     183/183 ━━━━━━━━━━━━━━━━━━━━ 1s 3ms/step - loss: 0.4213 - val_loss: 0.4410
///
/// The bar is redrawn in place (carriage return) when standard output is a terminal, at most
/// ten times a second; otherwise each epoch prints a single line when it ends.
public final class ProgressLogger: Callback {
    private let verbosity: Verbosity
    private let epochs: Int
    private let batchesPerEpoch: Int
    private let interactive: Bool
    private let write: (String) -> Void
    private var epochStart = ContinuousClock.now
    private var lastDraw = ContinuousClock.now

    /// Creates a logger.
    /// - Parameters:
    ///   - verbosity: How much to print; see ``Verbosity``.
    ///   - epochs: The number of epochs `fit` will run, shown as `Epoch 3/20`.
    ///   - batchesPerEpoch: The number of batches per epoch, for the progress bar.
    ///   - interactive: Whether to redraw in place; by default, whether standard output is a terminal.
    ///   - write: Where text goes; standard output by default.
    public init(
        verbosity: Verbosity, epochs: Int, batchesPerEpoch: Int, interactive: Bool? = nil,
        write: ((String) -> Void)? = nil
    ) {
        self.verbosity = verbosity
        self.epochs = epochs
        self.batchesPerEpoch = batchesPerEpoch
        self.interactive = verbosity == .progressBar && (interactive ?? (isatty(STDOUT_FILENO) != 0))
        self.write =
            write ?? { text in
                FileHandle.standardOutput.write(Data(text.utf8))
            }
    }

    public func onEpochBegin(_ epoch: Int, model: Sequential) throws {
        epochStart = .now
        if interactive { write("Epoch \(epoch + 1)/\(epochs)\n") }
    }

    public func onBatchEnd(_ batch: Int, logs: Logs, model: Sequential) throws {
        guard interactive, batch + 1 < batchesPerEpoch, ContinuousClock.now - lastDraw > .milliseconds(100) else {
            return
        }
        lastDraw = .now
        let elapsed = seconds(ContinuousClock.now - epochStart)
        let eta = elapsed / Double(batch + 1) * Double(batchesPerEpoch - batch - 1)
        write("\r" + line(done: batch + 1, timing: "\(Int(eta.rounded()))s", logs: logs) + "\u{1B}[K")
    }

    public func onEpochEnd(_ epoch: Int, logs: Logs, model: Sequential) throws {
        let elapsed = seconds(ContinuousClock.now - epochStart)
        let perStep = elapsed / Double(Swift.max(1, batchesPerEpoch)) * 1000
        let timing = "\(Int(elapsed.rounded()))s \(Int(perStep.rounded()))ms/step"
        let text = line(done: batchesPerEpoch, timing: timing, logs: logs)
        if interactive {
            write("\r" + text + "\u{1B}[K\n")
        } else {
            write("Epoch \(epoch + 1)/\(epochs) - " + text + "\n")
        }
    }

    private func line(done: Int, timing: String, logs: Logs) -> String {
        let width = 20
        let filled = batchesPerEpoch == 0 ? width : done * width / batchesPerEpoch
        let bar =
            interactive
            ? String(repeating: "━", count: filled) + String(repeating: "─", count: width - filled) + " " : ""
        let figures = ["loss", "val_loss"].compactMap { key in logs[key].map { "\(key): \(String(format: "%.4f", $0))" }
        }
        return (["\(done)/\(batchesPerEpoch) \(bar)\(timing)"] + figures).joined(separator: " - ")
    }

    private func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) * 1e-18
    }
}
