import Foundation
import Layers
import Testing

#if canImport(FoundationXML)
import FoundationXML
#endif

private let rsvgConvert = ["/usr/bin/rsvg-convert", "/usr/local/bin/rsvg-convert"].first {
    FileManager.default.isExecutableFile(atPath: $0)
}

/// The elements of an SVG document, as XMLParser reports them, with their attributes and text.
private final class SVGOutline: NSObject, XMLParserDelegate {
    var elements: [(name: String, attributes: [String: String])] = []
    /// The text of each `text` and `title` element, in document order.
    var texts: [String] = []
    private var open: [String] = []
    private var text = ""

    func parser(
        _ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
        attributes: [String: String] = [:]
    ) {
        elements.append((name, attributes))
        if name == "text" || name == "title" { text = "" }
        open.append(name)
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) {
        if open.contains("text") || open.last == "title" { text += string }
    }

    func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
        open.removeLast()
        if name == "text" || name == "title" { texts.append(text) }
    }

    /// Parses `svg`; `nil` when it is not well-formed XML.
    static func parse(_ svg: String) -> SVGOutline? {
        let outline = SVGOutline()
        let parser = XMLParser(data: Data(svg.utf8))
        parser.delegate = outline
        return parser.parse() ? outline : nil
    }
}

/// The LSTM autoencoder of the sheet-break article, its encoder and decoder as nested models.
private func nestedAutoencoder() throws -> Sequential {
    let encoder = try Sequential(inputShape: [5, 59], name: "encoder") {
        LSTM(units: 32, activation: .relu, returnSequences: true)
        LSTM(units: 16, activation: .relu)
    }
    let decoder = try Sequential(inputShape: [16], name: "decoder") {
        RepeatVector(count: 5)
        LSTM(units: 16, activation: .relu, returnSequences: true)
        LSTM(units: 32, activation: .relu, returnSequences: true)
        TimeDistributed(Dense(units: 59))
    }
    return try Sequential(inputShape: [5, 59], name: "lstm_autoencoder") {
        encoder
        decoder
    }
}

@Suite struct DiagramTests {
    @Test func aFlatModelIsOneBoxPerLayerWithItsShapes() throws {
        let model = try Sequential(inputShape: [5, 59]) {
            LSTM(units: 32, activation: .relu, returnSequences: true)
            LSTM(units: 16, activation: .relu)
            RepeatVector(count: 5)
            TimeDistributed(Dense(units: 59))
        }
        let outline = try #require(SVGOutline.parse(model.plotDiagram()))
        #expect(outline.elements.first?.name == "svg")
        #expect(outline.elements.first?.attributes["xmlns"] == "http://www.w3.org/2000/svg")
        let layers = outline.elements.filter { $0.name == "g" && $0.attributes["class"] == "layer" }
        #expect(layers.map { $0.attributes["data-name"] } == ["lstm", "lstm_1", "repeat_vector", "time_distributed"])
        #expect(
            outline.texts.filter { $0.contains("(") }
                == [
                    "lstm (LSTM)", "Input shape: (None, 5, 59)", "Output shape: (None, 5, 32)",
                    "lstm_1 (LSTM)", "Input shape: (None, 5, 32)", "Output shape: (None, 16)",
                    "repeat_vector (RepeatVector)", "Input shape: (None, 16)", "Output shape: (None, 5, 16)",
                    "time_distributed (TimeDistributed)", "Input shape: (None, 5, 16)",
                    "Output shape: (None, 5, 59)",
                ])
        // One arrow (a line and its head) between consecutive layers.
        #expect(outline.elements.filter { $0.name == "line" }.count == 3)
        #expect(outline.elements.filter { $0.name == "g" && $0.attributes["class"] == "model" }.isEmpty)
    }

    @Test func nestedModelsAreFramesAroundTheirLayersOrOneBox() throws {
        let model = try nestedAutoencoder()
        let expanded = try #require(SVGOutline.parse(model.plotDiagram()))
        let frames = expanded.elements.filter { $0.name == "g" && $0.attributes["class"] == "model" }
        #expect(frames.map { $0.attributes["data-name"] } == ["encoder", "decoder"])
        let layers = expanded.elements.filter { $0.name == "g" && $0.attributes["class"] == "layer" }
        #expect(layers.count == 6)
        #expect(expanded.texts.contains("Input shape: (None, 16)") && expanded.texts.contains("encoder"))
        #expect(expanded.texts.contains("time_distributed (TimeDistributed)"))
        #expect(expanded.elements.filter { $0.name == "line" }.count == 5)
        let collapsed = try #require(SVGOutline.parse(model.plotDiagram(expandNested: false)))
        #expect(
            collapsed.texts.filter { $0.contains("(") }
                == [
                    "encoder (Sequential)", "Input shape: (None, 5, 59)", "Output shape: (None, 16)",
                    "decoder (Sequential)", "Input shape: (None, 16)", "Output shape: (None, 5, 59)",
                ])
    }

    @Test func namesAreEscapedAndAnEmptyModelStillDraws() throws {
        let model = try Sequential(inputShape: [3], name: "a<b>&\"c\"") { Dense(units: 2, name: "x&y<z>") }
        let svg = model.plotDiagram()
        let outline = try #require(SVGOutline.parse(svg))
        #expect(outline.texts.contains("x&y<z> (Dense)"))
        #expect(outline.texts.contains("a<b>&\"c\""))  // the title
        #expect(SVGOutline.parse(Sequential(inputShape: [3]).plotDiagram())?.texts.contains("(no layers)") == true)
    }

    @Test func writeDiagramWritesTheSVGAtomically() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("rek-diagram-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let model = try nestedAutoencoder()
        let url = folder.appendingPathComponent("deeper/model.svg")
        try model.writeDiagram(to: url)
        #expect(try String(contentsOf: url, encoding: .utf8) == model.plotDiagram())
        #expect(
            try FileManager.default.contentsOfDirectory(atPath: url.deletingLastPathComponent().path) == ["model.svg"])
        #expect(throws: SavingError.self) { try model.writeDiagram(to: url.appendingPathComponent("below-a-file.svg")) }
    }

    @Test(.enabled(if: rsvgConvert != nil, "rsvg-convert not installed (apt-get install librsvg2-bin)"))
    func diagramsRenderToPNG() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("rek-diagram-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let model = try nestedAutoencoder()
        for expand in [true, false] {
            let svg = folder.appendingPathComponent("model-\(expand).svg")
            let png = folder.appendingPathComponent("model-\(expand).png")
            try model.writeDiagram(to: svg, expandNested: expand)
            let process = Process()
            process.executableURL = URL(fileURLWithPath: rsvgConvert!)
            process.arguments = [svg.path, "-o", png.path]
            try process.run()
            process.waitUntilExit()
            #expect(process.terminationStatus == 0, "rsvg-convert failed")
            let bytes = try Data(contentsOf: png)
            #expect(bytes.starts(with: [0x89, 0x50, 0x4E, 0x47]), "not a PNG")
            if let keep = ProcessInfo.processInfo.environment["REK_KEEP_DIAGRAM"] {
                try? FileManager.default.copyItem(atPath: png.path, toPath: "\(keep)/model-\(expand).png")
            }
        }
    }
}
