import Foundation

extension Sequential {
    /// A Keras-style table of the layers: name (type), output shape, parameter count, and totals.
    ///
    ///     ┏━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━┓
    ///     ┃ Layer (type)                 ┃ Output Shape   ┃    Param # ┃
    ///     ┡━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━┩
    ///     │ lstm (LSTM)                  │ (None, 5, 32)  │     11,776 │
    ///     …
    ///      Total params: 25,243 (98.61 KB)
    ///
    /// A nested model is one row, as in Keras. `name` overrides the title (the model's name, else
    /// `sequential`).
    public func summary(name: String? = nil) -> String {
        var rows: [(String, String, String)] = []
        var shape = inputShape
        for layer in layers {
            shape = (try? layer.outputShape(for: shape)) ?? shape
            rows.append(
                (
                    "\(layer.name) (\(layer.typeName))",
                    "(None, " + shape.map(String.init).joined(separator: ", ") + ")",
                    grouped(layer.parameterCount)
                ))
        }
        let header = ("Layer (type)", "Output Shape", "Param #")
        let names: [String] = rows.map(\.0)
        let shapes: [String] = rows.map(\.1)
        let counts: [String] = rows.map(\.2)
        let widths: [Int] = [
            (names + [header.0]).map(\.count).max()! + 2,
            (shapes + [header.1]).map(\.count).max()! + 2,
            (counts + [header.2]).map(\.count).max()! + 2,
        ]
        func rule(_ left: String, _ fill: String, _ mid: String, _ right: String) -> String {
            left + widths.map { String(repeating: fill, count: $0 + 2) }.joined(separator: mid) + right
        }
        func cells(_ row: (String, String, String), _ bar: String) -> String {
            let texts = [
                row.0.padding(toLength: widths[0], withPad: " ", startingAt: 0),
                row.1.padding(toLength: widths[1], withPad: " ", startingAt: 0),
                String(repeating: " ", count: widths[2] - row.2.count) + row.2,
            ]
            return bar + texts.map { " \($0) " }.joined(separator: bar) + bar
        }
        let title = name ?? (self.name.isEmpty ? "sequential" : self.name)
        var lines = ["Model: \"\(title)\"", rule("┏", "━", "┳", "┓"), cells(header, "┃"), rule("┡", "━", "╇", "┩")]
        for (index, row) in rows.enumerated() {
            if index > 0 { lines.append(rule("├", "─", "┼", "┤")) }
            lines.append(cells(row, "│"))
        }
        lines.append(rule("└", "─", "┴", "┘"))
        let trainable = parameters.filter(\.isTrainable).reduce(0) { $0 + $1.count }
        lines.append(" Total params: \(grouped(parameterCount)) (\(bytes(parameterCount)))")
        lines.append(" Trainable params: \(grouped(trainable)) (\(bytes(trainable)))")
        lines.append(
            " Non-trainable params: \(grouped(parameterCount - trainable)) (\(bytes(parameterCount - trainable)))")
        return lines.joined(separator: "\n")
    }

    private func grouped(_ value: Int) -> String {
        let digits = Array(String(value))
        var result = ""
        for (index, digit) in digits.enumerated() {
            if index > 0, (digits.count - index) % 3 == 0 { result.append(",") }
            result.append(digit)
        }
        return result
    }

    private func bytes(_ count: Int) -> String {
        let size = Double(count * 4)
        if size < 1024 { return String(format: "%.2f B", size) }
        if size < 1024 * 1024 { return String(format: "%.2f KB", size / 1024) }
        return String(format: "%.2f MB", size / 1024 / 1024)
    }
}
