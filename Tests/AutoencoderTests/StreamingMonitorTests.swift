import Foundation
import RareEventKit
import Testing

@Suite struct StreamingMonitorTests {
    /// Rows of one stream: the training-like rows with a burst of large values in the middle.
    func streamRows(_ base: Tensor, shift: Float) -> Tensor {
        let features = base.shape[1]
        var values = base.withUnsafeBufferPointer { Array($0) }
        for i in values.indices { values[i] += shift * Float(i % 7) }
        for i in (30 * features)..<(34 * features) { values[i] *= 4 }
        return Tensor(shape: base.shape, scalars: values)
    }

    func row(_ rows: Tensor, _ r: Int) -> [Float] {
        let width = rows.shape[1]
        return rows.withUnsafeBufferPointer { Array($0[(r * width)..<((r + 1) * width)]) }
    }

    @Test func oneStreamScoresBitIdenticallyToTheOfflineDetector() throws {
        let (detector, base) = try makeLSTMDetector()
        let rows = streamRows(base, shift: 0.5)
        let expected = try detector.scores(rows: rows)
        let monitor = StreamingMonitor(detector: detector)
        var scores: [Float] = []
        for r in 0..<rows.shape[0] {
            let reading = try monitor.push(row(rows, r), stream: "line-1")
            #expect(reading.row == r)
            if r < 3 {
                #expect(reading.score == nil && !reading.isAboveThreshold && reading.alarm == .normal)
            } else {
                scores.append(try #require(reading.score))
                #expect(reading.isAboveThreshold == (reading.score! > detector.threshold))
            }
        }
        #expect(scores.map(\.bitPattern) == expected.map(\.bitPattern))
        #expect(expected.contains { $0 > detector.threshold } && expected.contains { $0 <= detector.threshold })
    }

    @Test func batchesOfManyStreamsScoreBitIdenticallyToTheOfflineDetector() throws {
        let (detector, base) = try makeLSTMDetector()
        let streams = (0..<5).map { streamRows(base, shift: Float($0)) }
        let expected = try streams.map { try detector.scores(rows: $0) }
        let monitor = StreamingMonitor(detector: detector)
        var scores = [[Float]](repeating: [], count: streams.count)
        // Interleaved arrival with uneven batches, some holding two rows of one stream.
        var queue: [(stream: Int, row: Int)] = []
        for r in 0..<base.shape[0] { for s in streams.indices where !(s == 4 && r % 3 == 0) { queue.append((s, r)) } }
        for r in 0..<base.shape[0] where r % 3 == 0 { queue.append((4, r)) }
        // Rows 2k and 2k+1 of a stream can share a batch.
        queue.sort { ($0.row / 2, $0.stream, $0.row) < ($1.row / 2, $1.stream, $1.row) }
        var start = 0
        var size = 1
        while start < queue.count {
            let batch = queue[start..<min(start + size, queue.count)]
            let results = try monitor.push(
                batch.map { (stream: "s\($0.stream)", row: row(streams[$0.stream], $0.row)) })
            for (item, result) in zip(batch, results) {
                let reading = try result.get()
                #expect(reading.row == item.row)
                if let score = reading.score { scores[item.stream].append(score) } else { #expect(item.row < 3) }
            }
            start += size
            size = size % 13 + 1
        }
        for s in streams.indices {
            #expect(scores[s].map(\.bitPattern) == expected[s].map(\.bitPattern), "stream \(s)")
        }
        #expect(monitor.streams.sorted() == ["s0", "s1", "s2", "s3", "s4"])
    }

    /// A model that reconstructs zeros: the score of a window is the mean square of its last row.
    func squareDetector(threshold: Float = 0.5) throws -> DeployedDetector {
        let model = try Sequential(inputShape: [2, 1]) { TimeDistributed(Dense(units: 1, kernelInitializer: .zeros)) }
        return try DeployedDetector(
            RareEventDetector(model: model, threshold: threshold), columns: ["v"], scaling: .none, lookback: 2)
    }

    @Test func alarmsRiseAfterKOfNClearAfterMBelowAndCoolDown() throws {
        let monitor = StreamingMonitor(
            detector: try squareDetector(), policy: try AlarmPolicy(raiseAfter: 2, of: 3, clearAfter: 2, cooldown: 2))
        // 1 = above the threshold (value 1, score 1), 0 = below (value 0).
        // The first row fills the window.
        let pattern: [Float] = [0, 1, 0, 1, 1, 0, 1, 0, 0, 1, 1, 1, 0, 0, 1]
        let expected: [AlarmState?] = [
            nil, .normal, .normal, .raised, .active, .active, .active, .active, .cleared,
            .normal, .normal,  // the cooldown
            .raised, .active, .cleared, .normal,
        ]
        var states: [AlarmState?] = []
        for value in pattern {
            let reading = try monitor.push([value], stream: "p")
            states.append(reading.score == nil ? nil : reading.alarm)
            if let score = reading.score { #expect(score == value * value && reading.isAboveThreshold == (value == 1)) }
        }
        #expect(states == expected)
        #expect(try monitor.isAlarmOn("p") == false)
        #expect(AlarmState.raised.isOn && AlarmState.active.isOn && !AlarmState.cleared.isOn)
    }

    @Test func policiesOutOfTheirDomainAreRefused() {
        #expect(throws: MonitoringError.invalidPolicy(setting: "k (windows above)", value: 4, expected: "1 to n = 3")) {
            try AlarmPolicy(raiseAfter: 4, of: 3)
        }
        #expect(throws: MonitoringError.invalidPolicy(setting: "n (windows looked at)", value: 65, expected: "1 to 64"))
        {
            try AlarmPolicy(raiseAfter: 1, of: 65)
        }
        #expect(throws: MonitoringError.self) { try AlarmPolicy(clearAfter: 0) }
        #expect(throws: MonitoringError.self) { try AlarmPolicy(cooldown: -1) }
        #expect((try? AlarmPolicy(raiseAfter: 64, of: 64)) != nil)
    }

    @Test func badRowsAreRefusedAndLeaveTheStreamAsItWas() throws {
        let monitor = StreamingMonitor(detector: try squareDetector())
        #expect(throws: MonitoringError.wrongRowWidth(stream: "a", expected: 1, found: 2)) {
            try monitor.push([1, 2], stream: "a")
        }
        #expect(monitor.streams.isEmpty)
        _ = try monitor.push([0.25], stream: "a")
        #expect(throws: MonitoringError.nonFiniteValue(stream: "a", column: "v", value: .infinity)) {
            try monitor.push([.infinity], stream: "a")
        }
        let nan = try #require(throws: MonitoringError.self) { try monitor.push([.nan], stream: "a") }
        #expect(nan.description == "stream 'a': column 'v' is nan, expected a finite number; the row was not used")
        let reading = try monitor.push([2], stream: "a")
        #expect(reading.row == 1 && reading.score == 4 && reading.alarm == .raised)

        let results = try monitor.push([("a", [0]), ("b", []), ("b", [.nan]), ("b", [3]), ("a", [1])])
        #expect(try results[0].get() == MonitorReading(row: 2, score: 0, isAboveThreshold: false, alarm: .cleared))
        #expect(throws: MonitoringError.wrongRowWidth(stream: "b", expected: 1, found: 0)) { try results[1].get() }
        // NaN ≠ NaN, so compare the messages.
        if case let .failure(error) = results[2] {
            #expect(
                error.description == MonitoringError.nonFiniteValue(stream: "b", column: "v", value: .nan).description)
        } else {
            Issue.record("a NaN row was accepted")
        }
        #expect(try results[3].get() == MonitorReading(row: 0, score: nil, isAboveThreshold: false, alarm: .normal))
        #expect(try results[4].get() == MonitorReading(row: 3, score: 1, isAboveThreshold: true, alarm: .raised))

        monitor.allowsNewStreams = false
        #expect(throws: MonitoringError.unknownStream("c")) { try monitor.push([1], stream: "c") }
        try monitor.removeStream("a")
        #expect(throws: MonitoringError.unknownStream("a")) { try monitor.removeStream("a") }
        #expect(throws: MonitoringError.unknownStream("a")) { try monitor.isAlarmOn("a") }
        #expect(monitor.streams == ["b"])
        let limited = StreamingMonitor(detector: try squareDetector(), maximumStreams: 1)
        _ = try limited.push([1], stream: "x")
        #expect(throws: MonitoringError.tooManyStreams(limit: 1)) { try limited.push([1], stream: "y") }
    }

    /// A scaled value out of `Float` range is refused like a raw NaN.
    @Test func aRowTheScalerTakesOutOfRangeIsRefused() throws {
        var scaler = StandardScaler()
        try scaler.fit(Tensor(shape: [2, 1], scalars: [0, 1e-30]))
        let model = try Sequential(inputShape: [1]) { Dense(units: 1, kernelInitializer: .zeros) }
        let detector = try DeployedDetector(
            RareEventDetector(model: model, threshold: 1), columns: ["v"], scaling: .standard(scaler))
        let monitor = StreamingMonitor(detector: detector)
        #expect(throws: MonitoringError.nonFiniteValue(stream: "", column: "v", value: .infinity)) {
            try monitor.push([3e38])
        }
        #expect(try monitor.push([0]).row == 0)
    }
}

@Suite struct StreamingMonitorSeedModelTests {
    /// The seed LSTM autoencoder (59 sensors, lookback 5, 32/16 units): batches of 48 streams and
    /// single rows give the offline scores bit for bit, whatever the matrix kernels' blocking.
    @Test func theSeedLSTMAutoencoderScoresBitIdenticallyInBatches() throws {
        let (features, lookback, rowsPerStream, streamCount) = (59, 5, 12, 48)
        var generator = SeededGenerator(seed: 11)
        let model = try LSTMAutoencoder.make(timesteps: lookback, features: features, seed: 4)
        var scaler = StandardScaler()
        let streams = (0..<streamCount).map { _ in
            Tensor(
                shape: [rowsPerStream, features],
                scalars: (0..<(rowsPerStream * features)).map { _ in 2 * generator.normal() + 1 })
        }
        try scaler.fit(streams[0])
        let detector = try DeployedDetector(
            RareEventDetector(model: model, threshold: 1), columns: (1...features).map { "x\($0)" },
            scaling: .standard(scaler), lookback: lookback)
        let monitor = StreamingMonitor(detector: detector)
        let single = StreamingMonitor(detector: detector)
        var scores = [[Float]](repeating: [], count: streamCount)
        var singleScores: [Float] = []
        for r in 0..<rowsPerStream {
            let batch = streams.indices.map { s in
                (
                    stream: "\(s)",
                    row: streams[s].withUnsafeBufferPointer { Array($0[(r * features)..<((r + 1) * features)]) }
                )
            }
            for (s, result) in try monitor.push(batch).enumerated() {
                if let score = try result.get().score { scores[s].append(score) }
            }
            if let score = try single.push(batch[7].row, stream: "7").score { singleScores.append(score) }
        }
        for s in streams.indices {
            #expect(
                scores[s].map(\.bitPattern) == (try detector.scores(rows: streams[s])).map(\.bitPattern), "stream \(s)")
        }
        #expect(singleScores.map(\.bitPattern) == scores[7].map(\.bitPattern))
    }
}
