// The code of Documentation/Monitoring.md, compiled and run (keep them in step).
import Foundation
import RareEventKit
import Testing

@Suite struct MonitoringGuideTests {
    @Test func guideCodeRuns() throws {
        let (saved, rows) = try makeLSTMDetector()
        let folder = temporaryFolder("guide")
        defer { try? FileManager.default.removeItem(at: folder) }
        try saved.save(to: folder)
        let row = rows.withUnsafeBufferPointer { Array($0[0..<3]) }
        var printed: [String] = []
        func print(_ items: Any...) { printed.append(items.map { "\($0)" }.joined(separator: " ")) }

        let detector = try DeployedDetector(contentsOf: folder)
        let policy = try AlarmPolicy(raiseAfter: 2, of: 3, clearAfter: 3, cooldown: 10)
        let monitor = StreamingMonitor(detector: detector, policy: policy)

        // One row at a time (values in detector.columns order):
        let reading = try monitor.push(row, stream: "machine-7")
        if reading.alarm == .raised { print("alarm at row \(reading.row), score \(reading.score!)") }

        // Rows of many streams: the windows they complete are scored in one batched forward pass.
        let results = try monitor.push([(stream: "machine-7", row: row), (stream: "machine-8", row: row)])
        for result in results {
            switch result {
            case let .success(reading): print(reading.score ?? .nan, reading.alarm)
            case let .failure(error): print(error)  // this row only; the others are scored
            }
        }

        #expect(reading.row == 0 && reading.score == nil)
        #expect(printed == ["nan normal", "nan normal"])
        #expect(monitor.streams == ["machine-7", "machine-8"])
    }
}
