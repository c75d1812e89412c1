import Foundation

extension Sequential {
    /// An SVG drawing of the layer stack, like Keras' `plot_model(model, show_shapes=True)`: one box
    /// per layer, top to bottom, with a black header "**name** (Type)" and a row "Input shape: (None, …)"
    /// | "Output shape: (None, …)", and arrows from each layer to the next.
    ///
    /// A nested model is drawn as a dashed frame labelled with its name around its own layers (Keras'
    /// `expand_nested=True`), or, with `expandNested: false`, as one box.
    ///
    /// ```swift
    /// let svg = model.plotDiagram()
    /// try model.writeDiagram(to: URL(fileURLWithPath: "model.svg"))
    /// ```
    ///
    /// - Parameter expandNested: Whether nested models show their layers (default) or are one box.
    /// - Returns: A standalone SVG document (UTF-8 text).
    public func plotDiagram(expandNested: Bool = true) -> String {
        let items = DiagramItem.items(of: self, input: inputShape, expandNested: expandNested)
        var canvas = DiagramCanvas()
        let width = max(items.map(\.width).max() ?? 0, DiagramItem.textWidth("(no layers)", size: 14)) + 2 * 20
        var y = 20.0
        var leaves: [(top: Double, bottom: Double)] = []
        if items.isEmpty {
            canvas.text("(no layers)", x: width / 2, y: y + 18, size: 14, color: "dimgray")
            y += 36
        }
        for (index, item) in items.enumerated() {
            if index > 0 { y += DiagramItem.gap }
            item.draw(on: &canvas, centerX: width / 2, top: y, leaves: &leaves)
            y += item.height
        }
        for (upper, lower) in zip(leaves, leaves.dropFirst()) {
            canvas.arrow(x: width / 2, from: upper.bottom, to: lower.top)
        }
        return canvas.document(width: width, height: y + 20, title: name.isEmpty ? "sequential" : name)
    }

    /// Writes ``plotDiagram(expandNested:)`` to `url` atomically (a temporary file beside it, flushed,
    /// then renamed over it). Missing parent folders are created.
    ///
    /// - Parameters:
    ///   - url: The SVG file to write (conventionally `….svg`).
    ///   - expandNested: Whether nested models show their layers (default) or are one box.
    /// - Throws: ``SavingError/unwritable(path:reason:)`` when the file cannot be written.
    public func writeDiagram(to url: URL, expandNested: Bool = true) throws(SavingError) {
        try writeAtomically(Data(plotDiagram(expandNested: expandNested).utf8), to: url)
    }
}

/// One drawn element of a model diagram: a layer box or a nested model's frame around its items.
private indirect enum DiagramItem {
    case layer(name: String, type: String, input: String, output: String)
    case model(name: String, items: [DiagramItem])

    static let headerHeight = 34.0
    static let rowHeight = 30.0
    static let gap = 36.0
    static let framePadding = 16.0
    static let frameLabelHeight = 22.0

    /// The items of `model`'s layers for samples of `input`.
    static func items(of model: Sequential, input: [Int], expandNested: Bool) -> [DiagramItem] {
        var shape = input
        var items: [DiagramItem] = []
        for layer in model.layers {
            let output = (try? layer.outputShape(for: shape)) ?? shape
            if expandNested, let nested = layer as? Sequential {
                items.append(.model(name: nested.name, items: Self.items(of: nested, input: shape, expandNested: true)))
            } else {
                items.append(
                    .layer(name: layer.name, type: layer.typeName, input: batchShape(shape), output: batchShape(output))
                )
            }
            shape = output
        }
        return items
    }

    /// `(None, 5, 59)`, as Keras prints a shape with its batch axis.
    static func batchShape(_ shape: [Int]) -> String {
        "(" + (["None"] + shape.map(String.init)).joined(separator: ", ") + ")"
    }

    /// A generous estimate of a text's width (no font metrics at hand): wide enough for Helvetica, Arial
    /// or DejaVu Sans, so text never overflows its box.
    static func textWidth(_ text: String, size: Double, bold: Bool = false) -> Double {
        Double(text.count) * size * (bold ? 0.68 : 0.62)
    }

    var width: Double {
        switch self {
        case let .layer(name, type, input, output):
            let header = Self.textWidth(name, size: 16, bold: true) + Self.textWidth(" (\(type))", size: 16) + 24
            let row = 2 * Self.cellWidth(input: input, output: output)
            return max(header, row)
        case let .model(name, items):
            let inner = items.map(\.width).max() ?? 0
            return max(inner, Self.textWidth(name, size: 14, bold: true)) + 2 * Self.framePadding
        }
    }

    var height: Double {
        switch self {
        case .layer: Self.headerHeight + Self.rowHeight
        case let .model(_, items):
            items.reduce(0) { $0 + $1.height } + Double(max(0, items.count - 1)) * Self.gap
                + Self.frameLabelHeight + 2 * Self.framePadding
        }
    }

    /// Both shape cells get the width of the wider one.
    static func cellWidth(input: String, output: String) -> Double {
        max(
            textWidth("Input shape: ", size: 14) + textWidth(input, size: 14, bold: true),
            textWidth("Output shape: ", size: 14) + textWidth(output, size: 14, bold: true)) + 20
    }

    /// Draws the item centred on `centerX` from `top` down; appends each layer box's top and bottom.
    func draw(
        on canvas: inout DiagramCanvas, centerX: Double, top: Double, leaves: inout [(top: Double, bottom: Double)]
    ) {
        switch self {
        case let .layer(name, type, input, output):
            let width = self.width
            let left = centerX - width / 2
            canvas.layerBox(
                left: left, top: top, width: width, name: name, type: type, input: input, output: output)
            leaves.append((top, top + height))
        case let .model(name, items):
            let width = self.width
            canvas.frame(left: centerX - width / 2, top: top, width: width, height: height, label: name)
            var y = top + Self.framePadding + Self.frameLabelHeight
            for (index, item) in items.enumerated() {
                if index > 0 { y += Self.gap }
                item.draw(on: &canvas, centerX: centerX, top: y, leaves: &leaves)
                y += item.height
            }
        }
    }
}

/// The SVG elements of a diagram, as text.
private struct DiagramCanvas {
    private var body: [String] = []

    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }

    static func number(_ value: Double) -> String { String(format: "%.1f", value) }

    mutating func text(_ text: String, x: Double, y: Double, size: Double, color: String) {
        body.append(
            #"<text x="\#(Self.number(x))" y="\#(Self.number(y))" font-size="\#(Int(size))" fill="\#(color)" text-anchor="middle">\#(Self.escape(text))</text>"#
        )
    }

    /// A layer: the black header and the two shape cells (white, black borders).
    mutating func layerBox(
        left: Double, top: Double, width: Double, name: String, type: String, input: String, output: String
    ) {
        let (header, row) = (DiagramItem.headerHeight, DiagramItem.rowHeight)
        let n = Self.number
        body.append(#"<g class="layer" data-name="\#(Self.escape(name))">"#)
        body.append(
            #"<rect x="\#(n(left))" y="\#(n(top))" width="\#(n(width))" height="\#(n(header + row))" fill="black"/>"#)
        body.append(
            #"<text x="\#(n(left + width / 2))" y="\#(n(top + 22))" font-size="16" fill="white" text-anchor="middle"><tspan font-weight="bold">\#(Self.escape(name))</tspan> (\#(Self.escape(type)))</text>"#
        )
        let cell = width / 2
        for (index, (label, shape)) in [("Input shape: ", input), ("Output shape: ", output)].enumerated() {
            let x = left + Double(index) * cell
            body.append(
                #"<rect x="\#(n(x + 1))" y="\#(n(top + header))" width="\#(n(cell - 2))" height="\#(n(row - 1))" fill="white"/>"#
            )
            body.append(
                #"<text x="\#(n(x + cell / 2))" y="\#(n(top + header + 20))" font-size="14" fill="black" text-anchor="middle">\#(label)<tspan font-weight="bold">\#(Self.escape(shape))</tspan></text>"#
            )
        }
        body.append("</g>")
    }

    /// A nested model's dashed frame with its name at the top left.
    mutating func frame(left: Double, top: Double, width: Double, height: Double, label: String) {
        let n = Self.number
        body.append(#"<g class="model" data-name="\#(Self.escape(label))">"#)
        body.append(
            #"<rect x="\#(n(left))" y="\#(n(top))" width="\#(n(width))" height="\#(n(height))" rx="8" fill="none" stroke="dimgray" stroke-width="1.5" stroke-dasharray="6 4"/>"#
        )
        body.append(
            #"<text x="\#(n(left + 12))" y="\#(n(top + 24))" font-size="14" font-weight="bold" fill="black">\#(Self.escape(label))</text>"#
        )
        body.append("</g>")
    }

    /// A vertical arrow from `from` down to `to` (its head touching `to`).
    mutating func arrow(x: Double, from: Double, to: Double) {
        let n = Self.number
        body.append(
            #"<line x1="\#(n(x))" y1="\#(n(from))" x2="\#(n(x))" y2="\#(n(to - 9))" stroke="black" stroke-width="2"/>"#)
        body.append(
            #"<path d="M \#(n(x - 6)) \#(n(to - 10)) L \#(n(x + 6)) \#(n(to - 10)) L \#(n(x)) \#(n(to)) Z" fill="black"/>"#
        )
    }

    func document(width: Double, height: Double, title: String) -> String {
        let n = Self.number
        return
            ([
                #"<?xml version="1.0" encoding="UTF-8"?>"#,
                #"<svg xmlns="http://www.w3.org/2000/svg" width="\#(n(width))" height="\#(n(height))" viewBox="0 0 \#(n(width)) \#(n(height))" font-family="Helvetica, Arial, sans-serif">"#,
                "<title>\(Self.escape(title))</title>",
                #"<rect width="100%" height="100%" fill="white"/>"#,
            ] + body + ["</svg>"]).joined(separator: "\n") + "\n"
    }
}
