import Foundation
import Metrics
import Testing

@Suite struct ImageGridTests {
    @Test func laysOutRowsWithMarginsAndScale() throws {
        var grid = ImageGrid(imageWidth: 2, imageHeight: 1, margin: 1, scale: 2, background: 0.5)
        try grid.addRow([[0, 1], [0.2, .nan]])
        try grid.addRow(concatenated: [-1, 2])
        #expect(grid.width == (2 * 2 + 3 * 1) * 2 && grid.height == (2 * 1 + 3 * 1) * 2)
        let b: UInt8 = 128
        let g: UInt8 = 51  // 0.5 and 0.2 as gray levels
        let margin = [UInt8](repeating: b, count: 14)
        let firstRow: [UInt8] = [b, b, 0, 0, 255, 255, b, b, g, g, 0, 0, b, b]
        // Clamped; the missing image is background.
        let secondRow: [UInt8] = [b, b, 0, 0, 255, 255, b, b, b, b, b, b, b, b]
        let expected = margin + margin + firstRow + firstRow + margin + margin + secondRow + secondRow + margin + margin
        #expect(grid.pixels() == expected)
    }

    @Test func writesAGrayscalePNGAtomically() throws {
        var grid = ImageGrid(imageWidth: 28, imageHeight: 28)
        for _ in 0..<3 { try grid.addRow(concatenated: (0..<10 * 784).map { Float($0 % 784) / 783 }) }
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("rek-grid-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let url = folder.appendingPathComponent("figures/grid.png")
        try grid.write(to: url)
        let png = [UInt8](try Data(contentsOf: url))
        #expect(png.starts(with: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]))
        // IHDR: width and height big-endian, bit depth 8, color type 0 (grayscale).
        #expect(Array(png[12..<16]) == Array("IHDR".utf8))
        #expect(Array(png[16..<26]) == [0, 0, 1, 0x2E, 0, 0, 0, 0x5C, 8, 0])  // 302 x 92
        #expect(
            try FileManager.default.contentsOfDirectory(atPath: url.deletingLastPathComponent().path) == ["grid.png"])
    }

    @Test func rejectsWrongSizesAndEmptyGrids() {
        var grid = ImageGrid(imageWidth: 28, imageHeight: 28)
        #expect(throws: MetricsError.invalidArgument("image 1 of row 0 has 700 values; expected 28 x 28 = 784")) {
            try grid.addRow([[Float](repeating: 0, count: 784), [Float](repeating: 0, count: 700)])
        }
        #expect(throws: MetricsError.self) { try grid.addRow(concatenated: [Float](repeating: 0, count: 785)) }
        #expect(throws: ChartError.noData("image grid")) { try grid.png() }
    }
}
