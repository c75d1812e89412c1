import Layers
import Tensor

/// Runs a ``DeployedDetector`` on live streams of raw rows: each stream keeps its last `lookback`
/// scaled rows, every row scores the window it completes, and an ``AlarmPolicy`` turns the scores
/// into alarms.
///
/// ```swift
/// let detector = try DeployedDetector(contentsOf: URL(fileURLWithPath: "runs/detector"))
/// let monitor = StreamingMonitor(detector: detector, policy: try AlarmPolicy(raiseAfter: 2, of: 3, clearAfter: 5))
/// let reading = try monitor.push(sensorValues, stream: "machine-7")
/// if reading.alarm == .raised { print("sheet break ahead, score \(reading.score!)") }
/// ```
///
/// - One row at a time: `push(_:stream:)` scores the stream's window with a batch of one. The
///   monitor's own work allocates nothing per row once a stream exists (the ring buffer and the model
///   input are reused); the model's forward pass allocates its layers' outputs.
/// - Many streams: ``push(_:)`` takes rows of many streams and scores all the windows they complete in
///   one batched forward pass.
/// - The scores are those of ``DeployedDetector/scores(rows:batchSize:)`` on the same rows, bit for bit.
/// - A row with NaN or an infinity is refused with ``MonitoringError/nonFiniteValue(stream:column:value:)``
///   and leaves the stream as it was (the next good row continues the window), so a sensor glitch
///   neither poisons the window nor raises an alarm.
///
/// A monitor is used from one thread at a time (the model's forward pass reuses buffers). State is per
/// stream, so streams can be partitioned over monitors, threads or processes freely.
public final class StreamingMonitor {
    /// The detector that scores the windows.
    public let detector: DeployedDetector
    /// When alarms are raised and cleared.
    public let policy: AlarmPolicy
    /// The most streams held at once (each holds `lookback × columns` floats).
    public let maximumStreams: Int
    /// Whether a row of a stream not seen before starts a new stream (otherwise it is refused with
    /// ``MonitoringError/unknownStream(_:)``; add streams with ``addStream(_:)``).
    public var allowsNewStreams: Bool

    private var index: [String: Int] = [:]
    private var names: [String] = []
    private var windows: [StreamWindow] = []
    private let width: Int
    private let lastStepOffset: Int
    private let scoredCount: Int
    /// Two model inputs of one window used in turn: a layer keeps its last input (for `backward`), so
    /// writing into the one used last time would copy it.
    private var singleInputs: [Tensor]
    private var nextSingle = 0
    /// The row being accepted, scaled (checked before it enters a ring buffer).
    private var scratch: [Float]

    /// Creates a monitor with no streams yet.
    ///
    /// - Parameters:
    ///   - detector: The deployed detector.
    ///   - policy: When alarms are raised and cleared (by default on every window above the threshold).
    ///   - maximumStreams: The most streams held at once (1,000,000 by default).
    ///   - allowsNewStreams: Whether an unknown stream id starts a new stream.
    public init(
        detector: DeployedDetector, policy: AlarmPolicy = .immediate, maximumStreams: Int = 1_000_000,
        allowsNewStreams: Bool = true
    ) {
        self.detector = detector
        self.policy = policy
        self.maximumStreams = maximumStreams
        self.allowsNewStreams = allowsNewStreams
        width = detector.columns.count
        let isWindow = detector.model.inputShape.count == 2 && detector.detector.windowScoring == .lastTimestep
        lastStepOffset = isWindow ? (detector.lookback - 1) * width : 0
        scoredCount = isWindow ? width : detector.windowSize
        scratch = [Float](repeating: 0, count: width)
        singleInputs = [Tensor(zeros: detector.batchShape(1)), Tensor(zeros: detector.batchShape(1))]
    }

    /// The streams held, in the order they were added.
    public var streams: [String] { names }

    /// Adds a stream (needed only when ``allowsNewStreams`` is off); adding a known stream does nothing.
    /// - Throws: ``MonitoringError/tooManyStreams(limit:)``.
    public func addStream(_ stream: String) throws(MonitoringError) {
        _ = try slot(of: stream, creating: true)
    }

    /// Forgets a stream's rows and alarm (a new row of it starts from an empty window).
    /// - Throws: ``MonitoringError/unknownStream(_:)``.
    public func removeStream(_ stream: String) throws(MonitoringError) {
        guard let position = index.removeValue(forKey: stream) else { throw .unknownStream(stream) }
        let last = names.count - 1
        if position != last {
            names[position] = names[last]
            windows[position] = windows[last]
            index[names[position]] = position
        }
        names.removeLast()
        windows.removeLast()
    }

    /// Whether the stream's alarm is on.
    /// - Throws: ``MonitoringError/unknownStream(_:)``.
    public func isAlarmOn(_ stream: String) throws(MonitoringError) -> Bool {
        guard let position = index[stream] else { throw .unknownStream(stream) }
        return windows[position].alarm.isOn
    }

    private func slot(of stream: String, creating: Bool) throws(MonitoringError) -> Int {
        if let position = index[stream] { return position }
        guard creating else { throw .unknownStream(stream) }
        guard names.count < maximumStreams else { throw .tooManyStreams(limit: maximumStreams) }
        index[stream] = names.count
        names.append(stream)
        windows.append(StreamWindow(lookback: detector.lookback, width: width))
        return names.count - 1
    }

    /// Checks a raw row and scales it into the stream's ring buffer. The stream's state changes only when
    /// the row is accepted.
    private func accept(_ row: UnsafeBufferPointer<Float>, stream: String) throws(MonitoringError) -> Int {
        guard row.count == width else { throw .wrongRowWidth(stream: stream, expected: width, found: row.count) }
        if let bad = row.firstIndex(where: { !$0.isFinite }) {
            throw .nonFiniteValue(stream: stream, column: detector.columns[bad], value: row[bad])
        }
        let scaled = scratch.withUnsafeMutableBufferPointer { target -> Int? in
            if let scaler = detector.scaling.scaler {
                // Cannot fail: the width was checked above and the scaler against it when the detector was built.
                guard (try? scaler.transform(row: row, into: target)) != nil else { return 0 }
            } else {
                _ = target.update(fromContentsOf: row)
            }
            return target.firstIndex { !$0.isFinite }
        }
        if let bad = scaled {
            throw .nonFiniteValue(stream: stream, column: detector.columns[bad], value: scratch[bad])
        }
        let position = try slot(of: stream, creating: allowsNewStreams)
        scratch.withUnsafeBufferPointer { source in windows[position].append { _ = $0.update(fromContentsOf: source) } }
        return position
    }

    /// Pushes one raw row (values in ``DeployedDetector/columns`` order) of `stream` and returns its
    /// reading: the score of the window it completes (`nil` while the first `lookback` rows fill it),
    /// whether it is above the threshold, and the stream's alarm.
    ///
    /// - Throws: ``MonitoringError/wrongRowWidth(stream:expected:found:)``,
    ///   ``MonitoringError/nonFiniteValue(stream:column:value:)`` (a raw value, or one the scaler takes out
    ///   of `Float` range, that is NaN or infinite), ``MonitoringError/unknownStream(_:)``,
    ///   ``MonitoringError/tooManyStreams(limit:)``; the stream is then unchanged. The model's errors
    ///   are not expected (the detector was checked when built).
    public func push(_ row: UnsafeBufferPointer<Float>, stream: String = "") throws -> MonitorReading {
        let position = try accept(row, stream: stream)
        let rowNumber = windows[position].rows - 1
        guard windows[position].isFull else {
            return MonitorReading(
                row: rowNumber, score: nil, isAboveThreshold: false, alarm: windows[position].alarm.current)
        }
        nextSingle ^= 1
        singleInputs[nextSingle].withUnsafeMutableBufferPointer { windows[position].copyWindow(to: $0.baseAddress!) }
        let reconstruction = try detector.model.forward(singleInputs[nextSingle], training: false)
        let score = singleInputs[nextSingle].withUnsafeBufferPointer { x in
            reconstruction.withUnsafeBufferPointer { y in
                detector.detector.error.error(
                    x.baseAddress! + lastStepOffset, y.baseAddress! + lastStepOffset, count: scoredCount)
            }
        }
        return reading(score, row: rowNumber, position: position)
    }

    /// `push(_:stream:)` for a row in an array.
    public func push(_ row: [Float], stream: String = "") throws -> MonitorReading {
        try row.withUnsafeBufferPointer { buffer in try push(buffer, stream: stream) }
    }

    private func reading(_ score: Float, row: Int, position: Int) -> MonitorReading {
        let above = score > detector.threshold
        let alarm = windows[position].alarm.update(above: above, policy: policy)
        return MonitorReading(row: row, score: score, isAboveThreshold: above, alarm: alarm)
    }

    /// Pushes rows of many streams (in arrival order) and scores every window they complete in one
    /// batched forward pass; returns one result per row, in order. A refused row gets its error and
    /// leaves its stream unchanged; the other rows go on. Two rows of the same stream in one batch are
    /// scored in order (the batch is split there).
    ///
    /// - Throws: only the model's errors (not expected: the detector was checked when built); the rows'
    ///   own problems are their results.
    public func push(_ rows: [(stream: String, row: [Float])]) throws -> [Result<MonitorReading, MonitoringError>] {
        var results = [Result<MonitorReading, MonitoringError>?](repeating: nil, count: rows.count)
        var pending: [(entry: Int, position: Int, row: Int)] = []
        var pendingStreams = Set<Int>()
        pending.reserveCapacity(rows.count)
        func flush() throws {
            guard !pending.isEmpty else { return }
            let scores = try scoreWindows(pending.map(\.position))
            for (item, score) in zip(pending, scores) {
                results[item.entry] = .success(reading(score, row: item.row, position: item.position))
            }
            pending.removeAll(keepingCapacity: true)
            pendingStreams.removeAll(keepingCapacity: true)
        }
        for (entry, (stream, row)) in rows.enumerated() {
            if let position = index[stream], pendingStreams.contains(position) { try flush() }
            do throws(MonitoringError) {
                let position = try row.withUnsafeBufferPointer { buffer throws(MonitoringError) in
                    try accept(buffer, stream: stream)
                }
                let rowNumber = windows[position].rows - 1
                if windows[position].isFull {
                    pending.append((entry, position, rowNumber))
                    pendingStreams.insert(position)
                } else {
                    results[entry] = .success(
                        MonitorReading(
                            row: rowNumber, score: nil, isAboveThreshold: false,
                            alarm: windows[position].alarm.current))
                }
            } catch {
                results[entry] = .failure(error)
            }
        }
        try flush()
        return results.map { $0! }
    }

    /// The scores of the windows of the streams at `positions`, in one forward pass.
    private func scoreWindows(_ positions: [Int]) throws -> [Float] {
        let size = detector.windowSize
        let input = Tensor(
            shape: detector.batchShape(positions.count),
            unsafeUninitializedScalars: { out in
                for (i, position) in positions.enumerated() {
                    windows[position].copyWindow(to: out.baseAddress! + i * size)
                }
            })
        let reconstruction = try detector.model.forward(input, training: false)
        return input.withUnsafeBufferPointer { x in
            reconstruction.withUnsafeBufferPointer { y in
                positions.indices.map { i in
                    detector.detector.error.error(
                        x.baseAddress! + i * size + lastStepOffset,
                        y.baseAddress! + i * size + lastStepOffset, count: scoredCount)
                }
            }
        }
    }
}
