import Foundation

/// Why a chart could not be drawn or saved.
public enum ChartError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The chart has no finite data point to draw.
    case noData(String)
    /// The file could not be written.
    case unwritable(path: String, reason: String)

    public var description: String {
        switch self {
        case let .noData(title): "chart '\(title)' has no finite data to draw"
        case let .unwritable(path, reason): "cannot write \(path): \(reason)"
        }
    }
}

/// A minimal SVG writer: elements appended as text, escaped, and saved atomically.
struct SVGDocument {
    let width: Double
    let height: Double
    private var body: [String] = []

    init(width: Double, height: Double) {
        self.width = width
        self.height = height
        body.append(#"<rect width="100%" height="100%" fill="white"/>"#)
    }

    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }

    static func number(_ value: Double) -> String { String(format: "%.2f", value) }

    mutating func line(
        _ x1: Double, _ y1: Double, _ x2: Double, _ y2: Double, stroke: String,
        width: Double = 1, dash: String? = nil
    ) {
        body.append(
            #"<line x1="\#(Self.number(x1))" y1="\#(Self.number(y1))" x2="\#(Self.number(x2))" y2="\#(Self.number(y2))" stroke="\#(stroke)" stroke-width="\#(width)"\#(dash.map { " stroke-dasharray=\"\($0)\"" } ?? "")/>"#
        )
    }

    mutating func polyline(_ points: [(Double, Double)], stroke: String, width: Double = 2) {
        let text = points.map { "\(Self.number($0.0)),\(Self.number($0.1))" }.joined(separator: " ")
        body.append(
            #"<polyline points="\#(text)" fill="none" stroke="\#(stroke)" stroke-width="\#(width)" stroke-linejoin="round"/>"#
        )
    }

    mutating func circle(_ x: Double, _ y: Double, radius: Double, fill: String, opacity: Double = 1) {
        body.append(
            #"<circle cx="\#(Self.number(x))" cy="\#(Self.number(y))" r="\#(radius)" fill="\#(fill)" fill-opacity="\#(opacity)"/>"#
        )
    }

    mutating func rect(
        _ x: Double, _ y: Double, _ width: Double, _ height: Double, fill: String,
        stroke: String = "none", opacity: Double = 1
    ) {
        body.append(
            #"<rect x="\#(Self.number(x))" y="\#(Self.number(y))" width="\#(Self.number(width))" height="\#(Self.number(height))" fill="\#(fill)" fill-opacity="\#(opacity)" stroke="\#(stroke)"/>"#
        )
    }

    enum Anchor: String { case start, middle, end }

    mutating func text(
        _ string: String, _ x: Double, _ y: Double, size: Double = 12, anchor: Anchor = .middle,
        weight: String = "normal", fill: String = "#222", rotate: Bool = false
    ) {
        let transform = rotate ? #" transform="rotate(-90 \#(Self.number(x)) \#(Self.number(y)))""# : ""
        body.append(
            #"<text x="\#(Self.number(x))" y="\#(Self.number(y))" font-family="Helvetica, Arial, sans-serif" font-size="\#(size)" font-weight="\#(weight)" text-anchor="\#(anchor.rawValue)" fill="\#(fill)"\#(transform)>\#(Self.escape(string))</text>"#
        )
    }

    var text: String {
        ([
            #"<svg xmlns="http://www.w3.org/2000/svg" width="\#(Int(width))" height="\#(Int(height))" viewBox="0 0 \#(Int(width)) \#(Int(height))">"#
        ]
            + body + ["</svg>", ""]).joined(separator: "\n")
    }
}
