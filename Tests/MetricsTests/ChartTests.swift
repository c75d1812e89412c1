import Foundation
import Metrics
import Testing

#if canImport(FoundationXML)
import FoundationXML
#endif

private func isWellFormedXML(_ text: String) -> Bool {
    XMLParser(data: Data(text.utf8)).parse()
}

private let rsvgConvert = ["/usr/bin/rsvg-convert", "/usr/local/bin/rsvg-convert"].first {
    FileManager.default.isExecutableFile(atPath: $0)
}

@Suite struct ChartTests {
    static var charts: [(String, Chart)] {
        let curve = try! ROCCurve(labels: [0, 0, 1, 1], scores: [0.1, 0.4, 0.35, 0.8])
        let pr = try! PrecisionRecallCurve(labels: [0, 0, 1, 1, 0], scores: [0.1, 0.4, 0.35, 0.8, 0.2])
        return [
            ("loss", Chart.lossCurve(loss: [1, 0.6, 0.45, 0.4], validationLoss: [1.1, 0.7, 0.5, 0.48])),
            ("roc", Chart.roc(curve)),
            ("pr", Chart.precisionRecallVersusThreshold(pr)),
            (
                "scatter",
                Chart.reconstructionErrors([0.1, 0.2, 2.5, 0.15, 0.9], labels: [0, 0, 1, 0, 1], threshold: 0.5)
            ),
            (
                "scatter-log",
                Chart.reconstructionErrors(
                    [0.1, 0.2, 25, 0.015, 0.9], labels: [0, 0, 1, 0, 1], threshold: 0.5, scale: .logarithmic)
            ),
            (
                "histogram",
                Chart.errorHistogram(
                    normal: [0.1, 0.12, 0.2, 0.22, 0.3], anomalous: [0.5, 0.7, 0.71], threshold: 0.4, bins: 10)
            ),
        ]
    }

    @Test func everyChartIsWellFormedSVGWithTitleLegendAndAxes() throws {
        for (name, chart) in Self.charts {
            let svg = try chart.svg()
            #expect(isWellFormedXML(svg), "\(name) is not well-formed XML")
            #expect(svg.contains(">\(chart.title)</text>"), "\(name) has no title")
            for series in chart.series {
                #expect(svg.contains(">\(series.name)</text>"), "\(name) legend lacks \(series.name)")
            }
            #expect(svg.contains(">\(chart.xLabel)</text>") && svg.contains(">\(chart.yLabel)</text>"))
        }
        #expect(
            try Chart.roc(ROCCurve(labels: [0, 0, 1, 1], scores: [0.1, 0.4, 0.35, 0.8])).svg().contains(
                "ROC (AUC = 0.750)"))
        let heatmap = ConfusionMatrixChart(
            ConfusionMatrix(trueNegatives: 3400, falsePositives: 215, falseNegatives: 29, truePositives: 10)
        ).svg()
        #expect(isWellFormedXML(heatmap))
        #expect(heatmap.contains(">3400</text>") && heatmap.contains(">29</text>"))
    }

    @Test func chartWithoutDrawableDataThrows() {
        var chart = Chart(title: "empty", xLabel: "x", yLabel: "y")
        #expect(throws: ChartError.noData("empty")) { try chart.svg() }
        chart.yScale = .logarithmic
        chart.add(Chart.Series(name: "nonpositive", x: [1, 2], y: [0, -1]))
        #expect(throws: ChartError.noData("empty")) { try chart.svg() }
    }

    @Test func writesAtomicallyAndReportsUnwritablePaths() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("rek-charts-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let url = folder.appendingPathComponent("loss.svg")
        try Self.charts[0].1.write(to: url)
        #expect(try String(contentsOf: url, encoding: .utf8) == Self.charts[0].1.svg())
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path) == ["loss.svg"])
        // Missing folders are created, as Keras' save does.
        try Self.charts[0].1.write(to: folder.appendingPathComponent("missing/loss.svg"))
        #expect(
            try String(contentsOf: folder.appendingPathComponent("missing/loss.svg"), encoding: .utf8)
                == Self.charts[0].1.svg())
        // A file where a folder is needed is a typed error naming the path, not a Foundation dump.
        let blocked = folder.appendingPathComponent("loss.svg/roc.svg")
        #expect(
            throws: ChartError.unwritable(
                path: blocked.path, reason: "cannot create the folder \(url.path): a file is in the way")
        ) {
            try Self.charts[0].1.write(to: blocked)
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted() == ["loss.svg", "missing"])
    }

    @Test(.enabled(if: rsvgConvert != nil, "rsvg-convert not installed (apt-get install librsvg2-bin)"))
    func chartsRenderToPNG() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("rek-render-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        for (name, chart) in Self.charts {
            let svg = folder.appendingPathComponent("\(name).svg")
            let png = folder.appendingPathComponent("\(name).png")
            try chart.write(to: svg)
            let process = Process()
            process.executableURL = URL(fileURLWithPath: rsvgConvert!)
            process.arguments = [svg.path, "-o", png.path]
            try process.run()
            process.waitUntilExit()
            #expect(process.terminationStatus == 0, "rsvg-convert failed on \(name)")
            let bytes = try Data(contentsOf: png)
            #expect(bytes.starts(with: [0x89, 0x50, 0x4E, 0x47]), "\(name).png is not a PNG")
        }
    }
}

extension ChartTests {
    @Test func scoreTimelineMarksTheThresholdAlarmOnsetsAndEventStarts() throws {
        let chart = Chart.scoreTimeline(
            scores: [0.1, nil, 0.2, 0.9, 0.8, 0.1, 0.3], times: [0, 1, 2, 3, 4, 5, 6], threshold: 0.5,
            alarms: [false, false, false, true, true, false, true], labels: [0, 0, 0, 0, 1, 1, 0])
        #expect(chart.series.map(\.name) == ["score", "alarm raised", "event"])
        // The row without a score is left out of the line.
        #expect(chart.series[0].x == [0, 2, 3, 4, 5, 6])
        #expect(chart.series[0].y.map { Float($0) } == [0.1, 0.2, 0.9, 0.8, 0.1, 0.3])
        // Two alarm onsets (rows 3 and 6), drawn on the score; one event, starting at row 4, at the top.
        #expect(chart.series[1].x == [3, 6] && chart.series[1].y.map { Float($0) } == [0.9, 0.3])
        #expect(chart.series[2].x == [4] && chart.series[2].y.map { Float($0) } == [0.9])
        #expect(chart.referenceLines.map(\.value) == [Double(Float(0.5))])
        #expect(chart.yScale == .logarithmic)
        #expect(isWellFormedXML(try chart.svg()))
        // Without alarms or events only the score and the threshold are drawn.
        let quiet = Chart.scoreTimeline(
            scores: [0.1, 0.2], times: [0, 1], threshold: 0.5, alarms: [false, false], labels: [0, 0])
        #expect(quiet.series.map(\.name) == ["score"])
    }
}
