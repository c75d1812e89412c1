/// Text from a file or a command line, made safe to print in a one-line message: invisible
/// characters (controls, a byte-order mark, line breaks, non-breaking spaces) are shown as `<U+XXXX>`,
/// and text longer than `limit` characters is cut, with its length.
///
///     displayed("\u{FEFF}time")   // "<U+FEFF>time"
package func displayed(_ text: String, limit: Int = 120) -> String {
    var result = ""
    var shown = 0
    for scalar in text.unicodeScalars {
        if shown >= limit {
            return result + "… (\(text.unicodeScalars.count) characters in all)"
        }
        let visible: Bool =
            switch scalar.properties.generalCategory {
            case .control, .format, .lineSeparator, .paragraphSeparator, .privateUse, .unassigned, .surrogate: false
            case .spaceSeparator: scalar == " "
            default: true
            }
        if visible {
            result.unicodeScalars.append(scalar)
        } else {
            let hex = String(scalar.value, radix: 16, uppercase: true)
            result += "<U+" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex + ">"
        }
        shown += 1
    }
    return result
}
