/// Whether a smaller or a larger monitored value is better.
public enum MonitorMode: String, Codable, Sendable {
    /// Smaller is better (losses).
    case min
    /// Larger is better (accuracies, AUC).
    case max
    /// Like Keras: `max` when the key contains "acc" or "auc", `min` otherwise.
    case auto
}

/// Tracks the best value of one log key, with Keras' improvement test
/// (`current − minDelta < best` in min mode, `current − minDelta > best`… in max mode).
struct Monitor {
    let key: String
    let isMinimizing: Bool
    let minDelta: Float
    private(set) var best: Float

    init(key: String, mode: MonitorMode, minDelta: Float) {
        self.key = key
        isMinimizing =
            switch mode {
            case .min: true
            case .max: false
            case .auto: !(key.contains("acc") || key.contains("auc"))
            }
        self.minDelta = Swift.abs(minDelta)
        best = isMinimizing ? .infinity : -.infinity
    }

    /// The monitored value; a key missing from the logs is a configuration error, not a silent no-op,
    /// and a NaN or infinite value throws ``TrainingError/nonFiniteMonitoredValue(callback:key:value:)``
    /// (NaN never compares as an improvement, so it would silently stop improving).
    func value(in logs: Logs, for callback: String) throws -> Float {
        guard let value = logs[key] else {
            throw LayerError.invalidTrainingArgument(
                argument: "\(callback) monitor", value: key,
                expected: "one of the logged keys \(logs.keys.sorted())")
        }
        guard value.isFinite else {
            throw TrainingError.nonFiniteMonitoredValue(callback: callback, key: key, value: value)
        }
        return value
    }

    /// Throws when `minDelta` is NaN or infinite (no value would ever count as an improvement).
    func validate(for callback: String) throws {
        guard minDelta.isFinite else {
            throw LayerError.invalidTrainingArgument(
                argument: "\(callback) minDelta", value: "\(minDelta)", expected: "a finite number")
        }
    }

    func isImprovement(_ current: Float) -> Bool {
        isMinimizing ? current + minDelta < best : current - minDelta > best
    }

    mutating func reset() { best = isMinimizing ? .infinity : -.infinity }
    mutating func record(_ value: Float) { best = value }
}
