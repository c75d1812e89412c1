import ExampleSupport
import Foundation
import RareEventKit
import Testing

/// Runs the built `monitor` program on a pipe, as `tail -f … | monitor` would.
@Suite struct MonitorProgramTests {
    static let monitorPath: String? = ExampleProgramTests.buildFolder.map { $0.appendingPathComponent("monitor").path }
        .flatMap { FileManager.default.isExecutableFile(atPath: $0) ? $0 : nil }

    /// A running `monitor` with its three pipes; `readLine` reads standard output one line at a time.
    final class Running {
        let process = Process()
        let input = Pipe(), output = Pipe(), errors = Pipe()
        private var buffer = Data()

        init(_ arguments: [String]) throws {
            process.executableURL = URL(fileURLWithPath: MonitorProgramTests.monitorPath!)
            process.arguments = arguments
            (process.standardInput, process.standardOutput, process.standardError) = (input, output, errors)
            try process.run()
            // A hung program fails the test instead of hanging it.
            let process = self.process
            DispatchQueue.global().asyncAfter(deadline: .now() + 60) {
                if process.isRunning { kill(process.processIdentifier, SIGKILL) }
            }
        }

        func send(_ line: String) { input.fileHandleForWriting.write(Data((line + "\n").utf8)) }

        /// The next line of standard output (waits for it: the program must flush each line).
        func readLine() -> String? {
            while true {
                if let newline = buffer.firstIndex(of: UInt8(ascii: "\n")) {
                    let line = String(decoding: buffer[buffer.startIndex..<newline], as: UTF8.self)
                    buffer = Data(buffer[(newline + 1)...])
                    return line
                }
                let more = output.fileHandleForReading.availableData
                if more.isEmpty { return nil }
                buffer.append(more)
            }
        }

        /// Closes standard input (or sends `signal`), waits, and returns the rest of standard output,
        /// standard error and the exit status.
        func finish(signal: Int32? = nil) -> (rest: String, errors: String, status: Int32) {
            if let signal { kill(process.processIdentifier, signal) } else { try? input.fileHandleForWriting.close() }
            let rest = output.fileHandleForReading.readDataToEndOfFile()
            let errorText = errors.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            return (
                String(decoding: buffer + rest, as: UTF8.self), String(decoding: errorText, as: UTF8.self),
                process.terminationStatus
            )
        }
    }

    func savedDetector() throws -> (DeployedDetector, Tensor, URL) {
        let (detector, rows) = try makeLSTMDetector()
        let folder = temporaryFolder("monitor-program")
        try detector.save(to: folder.appendingPathComponent("detector"))
        return (detector, rows, folder)
    }

    @Test(.enabled(if: monitorPath != nil, "monitor not built next to the tests; program test skipped"))
    func everyInputRowGetsItsLineAndMalformedRowsAreReportedOnStandardError() throws {
        let (detector, rows, folder) = try savedDetector()
        defer { try? FileManager.default.removeItem(at: folder) }
        let running = try Running([
            "--detector", folder.appendingPathComponent("detector").path,
            "--time-column", "time", "--stream-column", "machine",
        ])
        // Two streams, the second with its rows shifted; columns in another order, one extra column.
        let streams = ["a": rows, "b\"q": rows + 0.5]
        let expected = try streams.mapValues { try detector.scores(rows: $0) }
        func values(_ stream: String, _ r: Int) -> [Float] {
            streams[stream]!.withUnsafeBufferPointer { Array($0[(3 * r)..<(3 * r + 3)]) }
        }
        func csv(_ stream: String, _ r: Int) -> String {
            let v = values(stream, r)
            return "t\(r),\"\(stream.replacingOccurrences(of: "\"", with: "\"\""))\",\(v[2]),1,\(v[0]),\(v[1])"
        }
        running.send("time,machine,x3,label,x1,x2")
        var lineNumber = 1
        var rowCount = 0
        var errorCount = 0
        var scored = 0
        var alarms = 0
        var expectedErrors: [String] = []
        var wasAbove: [String: Bool] = [:]
        for r in 0..<12 {
            for stream in ["a", "b\"q"] {
                lineNumber += 1
                rowCount += 1
                running.send(csv(stream, r))
                let quotedStream = stream == "a" ? "\"a\"" : "\"b\\\"q\""
                var line = "{\"line\":\(lineNumber),\"stream\":\(quotedStream),\"row\":\(r),\"time\":\"t\(r)\","
                if r < 3 {
                    line += "\"score\":null,\"above\":false,\"alarm\":false"
                } else {
                    let score = expected[stream]![r - 3]
                    let above = score > detector.threshold
                    line += "\"score\":\(score),\"above\":\(above),\"alarm\":\(above)"
                    if above != (wasAbove[stream] ?? false) { line += ",\"event\":\"\(above ? "raised" : "cleared")\"" }
                    if above && !(wasAbove[stream] ?? false) { alarms += 1 }
                    wasAbove[stream] = above
                    scored += 1
                }
                // Each line arrives before the next row is sent: the output is flushed per line.
                #expect(running.readLine() == line + "}", "line \(lineNumber)")
            }
            // Malformed rows between the good ones; none changes stream a's window.
            let malformed: [(String, String, String)] = [
                ("t\(r),a,1,0,x,2", "\"time\":\"t\(r)\"", "column 'x1': expected a number, found 'x'"),
                ("t\(r),a,1,0", "\"time\":\"t\(r)\"", "expected 6 fields (as in the header), found 4"),
                (
                    "t\(r),a,nan,0,1,2", "\"time\":\"t\(r)\"",
                    "stream 'a': column 'x3' is nan, expected a finite number; the row was not used"
                ),
                ("", "", "an empty line; expected 6 fields (as in the header)"),
                ("t\(r),\"a,1,0,1,2", "", "a quoted field is not closed"),
            ]
            let (text, fields, problem) = malformed[r % malformed.count]
            lineNumber += 1
            rowCount += 1
            errorCount += 1
            running.send(text)
            let streamField = fields.isEmpty ? "" : ",\"stream\":\"a\","
            let expectedLine =
                "{\"line\":\(lineNumber)" + (fields.isEmpty ? "" : streamField + fields) + ",\"error\":\"\(problem)\"}"
            #expect(running.readLine() == expectedLine)
            expectedErrors.append("line \(lineNumber): \(problem)")
        }
        let (rest, errors, status) = running.finish()
        #expect(status == 0)
        #expect(rest.isEmpty)
        #expect(
            errors
                == (expectedErrors + [
                    "summary: \(rowCount) rows, \(scored) scored, \(alarms) alarms raised, \(errorCount) errors"
                ])
                .joined(separator: "\n") + "\n")
        #expect(alarms > 0 && scored == 18)
    }

    @Test(.enabled(if: monitorPath != nil, "monitor not built next to the tests; program test skipped"))
    func jsonLinesAndSIGTERMPrintTheSummary() throws {
        let (detector, rows, folder) = try savedDetector()
        defer { try? FileManager.default.removeItem(at: folder) }
        let expected = try detector.scores(rows: rows)
        let running = try Running(["--detector", folder.appendingPathComponent("detector").path, "--format", "jsonl"])
        for r in 0..<5 {
            let v = rows.withUnsafeBufferPointer { Array($0[(3 * r)..<(3 * r + 3)]) }
            running.send("{\"x1\": \(v[0]), \"x2\": \(v[1]), \"x3\": \"\(v[2])\", \"other\": [1]}")
            let line = try #require(running.readLine())
            #expect(
                line.hasPrefix("{\"line\":\(r + 1),\"row\":\(r),\"score\":" + (r < 3 ? "null" : "\(expected[r - 3])")))
        }
        running.send("{\"x1\": 1, \"x2\": 2}")
        #expect(running.readLine() == "{\"line\":6,\"error\":\"no key 'x3'; expected the detector's 3 columns\"}")
        running.send("{\"x1\": 1, \"x1\": 1, \"x2\": 2, \"x3\": 3}")
        #expect(running.readLine()?.contains("duplicate key") == true)
        // The program waits for more input; SIGTERM ends it with the summary.
        let (rest, errors, status) = running.finish(signal: SIGTERM)
        #expect(rest.isEmpty && status == 0)
        #expect(
            errors.hasSuffix(
                "summary: 7 rows, 2 scored, \(expected[0...1].contains { $0 > detector.threshold } ? 1 : 0) alarms raised, 2 errors (stopped by a signal)\n"
            ),
            "\(errors)")
        #expect(errors.hasPrefix("line 6: no key 'x3'"))
    }

    @Test(.enabled(if: monitorPath != nil, "monitor not built next to the tests; program test skipped"))
    func aHeaderWithoutTheDetectorsColumnsStopsAtOnce() throws {
        let (_, _, folder) = try savedDetector()
        defer { try? FileManager.default.removeItem(at: folder) }
        let running = try Running(["--detector", folder.appendingPathComponent("detector").path])
        running.send("x1,x2,y")
        let (rest, errors, status) = running.finish()
        #expect(status == 1 && rest.isEmpty)
        #expect(
            errors
                == "error: standard input: expected a CSV header naming the detector's 3 columns; found no column 'x3' in line 1\n"
        )
        let missing = try ExampleProgramTests.run("monitor", [])
        #expect(missing.status == 2 && missing.stderr.hasPrefix("error: option '--detector' needs a value"))
        let noDetector = try ExampleProgramTests.run("monitor", ["--detector", folder.path])
        #expect(noDetector.status == 2 && noDetector.stderr.contains("has no readable detector.json"))
    }
}
