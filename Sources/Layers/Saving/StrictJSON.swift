import Foundation

/// A strict, linear-time JSON reader for the files a saved model holds (`config.json` and the
/// safetensors header).
///
/// Foundation's readers accept duplicate object keys (keeping one value silently) and any nesting
/// depth. This reader rejects both: a duplicate key in any object and nesting deeper than
/// `maximumDepth` are errors that name the byte offset and the key's path (`layers[2].config.units`).
/// (Package-wide: a saved detector's `detector.json` is read by it too.)
/// Integers that fit an `Int` are kept exact (`integer`); other numbers are `Double`.
package indirect enum StrictJSON {
    case null
    case bool(Bool)
    case integer(Int)
    case number(Double)
    case string(String)
    case array([StrictJSON])
    /// Members in file order (keys are unique).
    case object([Member])

    /// One member of an object.
    package struct Member {
        package var key: String
        package var value: StrictJSON
    }

    /// Why the text is not accepted.
    package struct Failure: Error, Equatable {
        /// The byte offset of the problem.
        package var offset: Int
        /// The path of the value being read (`$` for the root, `$.layers[2].config`).
        package var path: String
        /// What was wrong and what was expected.
        package var reason: String
        /// Whether the problem is a duplicate key (`reason` then names it).
        package var isDuplicateKey = false

        package var description: String { "at byte \(offset) (\(path)): \(reason)" }
    }

    /// The member `key` of an object, if any.
    package subscript(key: String) -> StrictJSON? {
        guard case let .object(members) = self else { return nil }
        return members.first { $0.key == key }?.value
    }

    /// ``parse(_:maximumDepth:)`` for a file at `path`: a duplicate key is
    /// ``SavingError/duplicateKey(path:key:)``, any other problem ``SavingError/corrupt(path:reason:)``.
    package static func parse(_ data: Data, maximumDepth: Int, path: String) throws(SavingError) -> StrictJSON {
        do {
            return try parse(data, maximumDepth: maximumDepth)
        } catch {
            if error.isDuplicateKey { throw .duplicateKey(path: path, key: error.path + ": " + error.reason) }
            throw .corrupt(path: path, reason: "not valid JSON \(error.description)")
        }
    }

    /// Parses `data` (UTF-8), which must hold exactly one JSON value (surrounding white space allowed).
    package static func parse(_ data: Data, maximumDepth: Int) throws(Failure) -> StrictJSON {
        var parser = Parser(bytes: [UInt8](data), maximumDepth: maximumDepth)
        return try parser.parseDocument()
    }

    private struct Parser {
        let bytes: [UInt8]
        let maximumDepth: Int
        var index = 0
        /// The keys and indices leading to the value being read (rendered only for errors).
        var path: [PathComponent] = []

        enum PathComponent {
            case key(String)
            case index(Int)
        }

        init(bytes: [UInt8], maximumDepth: Int) {
            self.bytes = bytes
            self.maximumDepth = maximumDepth
        }

        func fail(_ reason: String, at offset: Int? = nil, duplicate: Bool = false) -> Failure {
            Failure(
                offset: offset ?? index,
                path: "$"
                    + path.map { component in
                        switch component {
                        case let .key(key): "." + key
                        case let .index(index): "[\(index)]"
                        }
                    }.joined(), reason: reason, isDuplicateKey: duplicate)
        }

        mutating func skipSpace() {
            while index < bytes.count,
                bytes[index] == 0x20 || bytes[index] == 0x0A || bytes[index] == 0x0D || bytes[index] == 0x09
            {
                index += 1
            }
        }

        mutating func parseDocument() throws(Failure) -> StrictJSON {
            skipSpace()
            let value = try parseValue(depth: 0)
            skipSpace()
            guard index == bytes.count else { throw fail("unexpected text after the JSON value") }
            return value
        }

        mutating func parseValue(depth: Int) throws(Failure) -> StrictJSON {
            guard index < bytes.count else { throw fail("the text ends where a value was expected") }
            switch bytes[index] {
            case UInt8(ascii: "{"): return try parseObject(depth: depth + 1)
            case UInt8(ascii: "["): return try parseArray(depth: depth + 1)
            case UInt8(ascii: "\""): return .string(try parseString())
            case UInt8(ascii: "t"):
                try literal("true")
                return .bool(true)
            case UInt8(ascii: "f"):
                try literal("false")
                return .bool(false)
            case UInt8(ascii: "n"):
                try literal("null")
                return .null
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try parseNumber()
            default: throw fail("expected a value (object, array, string, number, true, false or null)")
            }
        }

        mutating func literal(_ word: String) throws(Failure) {
            let expected = Array(word.utf8)
            guard index + expected.count <= bytes.count, Array(bytes[index..<(index + expected.count)]) == expected
            else {
                throw fail("expected \(word)")
            }
            index += expected.count
        }

        mutating func parseObject(depth: Int) throws(Failure) -> StrictJSON {
            guard depth <= maximumDepth else { throw fail("nesting deeper than \(maximumDepth) levels") }
            index += 1
            var members: [Member] = []
            var seen = Set<String>()
            skipSpace()
            if index < bytes.count, bytes[index] == UInt8(ascii: "}") {
                index += 1
                return .object(members)
            }
            while true {
                skipSpace()
                guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else {
                    throw fail("expected a string key")
                }
                let keyOffset = index
                let key = try parseString()
                guard seen.insert(key).inserted else {
                    throw fail("duplicate key \"\(key)\"", at: keyOffset, duplicate: true)
                }
                skipSpace()
                guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else {
                    throw fail("expected ':' after key \"\(key)\"")
                }
                index += 1
                skipSpace()
                path.append(.key(key))
                let value = try parseValue(depth: depth)
                path.removeLast()
                members.append(Member(key: key, value: value))
                skipSpace()
                guard index < bytes.count else { throw fail("the text ends inside an object") }
                if bytes[index] == UInt8(ascii: ",") {
                    index += 1
                    continue
                }
                guard bytes[index] == UInt8(ascii: "}") else { throw fail("expected ',' or '}'") }
                index += 1
                return .object(members)
            }
        }

        mutating func parseArray(depth: Int) throws(Failure) -> StrictJSON {
            guard depth <= maximumDepth else { throw fail("nesting deeper than \(maximumDepth) levels") }
            index += 1
            var elements: [StrictJSON] = []
            skipSpace()
            if index < bytes.count, bytes[index] == UInt8(ascii: "]") {
                index += 1
                return .array(elements)
            }
            while true {
                skipSpace()
                path.append(.index(elements.count))
                let value = try parseValue(depth: depth)
                path.removeLast()
                elements.append(value)
                skipSpace()
                guard index < bytes.count else { throw fail("the text ends inside an array") }
                if bytes[index] == UInt8(ascii: ",") {
                    index += 1
                    continue
                }
                guard bytes[index] == UInt8(ascii: "]") else { throw fail("expected ',' or ']'") }
                index += 1
                return .array(elements)
            }
        }

        mutating func hex4() throws(Failure) -> UInt32 {
            guard index + 4 <= bytes.count else { throw fail("the text ends inside a \\u escape") }
            var value: UInt32 = 0
            for _ in 0..<4 {
                let byte = bytes[index]
                let digit: UInt32
                switch byte {
                case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(byte - UInt8(ascii: "0"))
                case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt32(byte - UInt8(ascii: "a") + 10)
                case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt32(byte - UInt8(ascii: "A") + 10)
                default: throw fail("expected four hexadecimal digits after \\u")
                }
                value = value << 4 | digit
                index += 1
            }
            return value
        }

        mutating func parseString() throws(Failure) -> String {
            let start = index
            index += 1
            var utf8: [UInt8] = []
            while true {
                guard index < bytes.count else { throw fail("the text ends inside a string", at: start) }
                let byte = bytes[index]
                switch byte {
                case UInt8(ascii: "\""):
                    index += 1
                    guard let text = String(validating: utf8, as: UTF8.self) else {
                        throw fail("a string is not valid UTF-8", at: start)
                    }
                    return text
                case UInt8(ascii: "\\"):
                    index += 1
                    guard index < bytes.count else { throw fail("the text ends inside a string", at: start) }
                    let escape = bytes[index]
                    index += 1
                    switch escape {
                    case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): utf8.append(escape)
                    case UInt8(ascii: "b"): utf8.append(0x08)
                    case UInt8(ascii: "f"): utf8.append(0x0C)
                    case UInt8(ascii: "n"): utf8.append(0x0A)
                    case UInt8(ascii: "r"): utf8.append(0x0D)
                    case UInt8(ascii: "t"): utf8.append(0x09)
                    case UInt8(ascii: "u"):
                        var scalar = try hex4()
                        if (0xD800..<0xDC00).contains(scalar) {
                            guard index + 1 < bytes.count, bytes[index] == UInt8(ascii: "\\"),
                                bytes[index + 1] == UInt8(ascii: "u")
                            else {
                                throw fail("an unpaired surrogate escape")
                            }
                            index += 2
                            let low = try hex4()
                            guard (0xDC00..<0xE000).contains(low) else { throw fail("an unpaired surrogate escape") }
                            scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                        }
                        guard let unicode = Unicode.Scalar(scalar) else { throw fail("an unpaired surrogate escape") }
                        utf8.append(contentsOf: Array(String(Character(unicode)).utf8))
                    default: throw fail("an invalid escape \\\(Character(Unicode.Scalar(escape)))")
                    }
                case 0..<0x20:
                    throw fail("a control character inside a string")
                default:
                    utf8.append(byte)
                    index += 1
                }
            }
        }

        mutating func parseNumber() throws(Failure) -> StrictJSON {
            let start = index
            let isDigit = { (byte: UInt8) in byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }
            if bytes[index] == UInt8(ascii: "-") { index += 1 }
            guard index < bytes.count, isDigit(bytes[index]) else { throw fail("expected a digit", at: index) }
            if bytes[index] == UInt8(ascii: "0") {
                index += 1
            } else {
                while index < bytes.count, isDigit(bytes[index]) { index += 1 }
            }
            var integral = true
            if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
                integral = false
                index += 1
                guard index < bytes.count, isDigit(bytes[index]) else { throw fail("expected a digit after '.'") }
                while index < bytes.count, isDigit(bytes[index]) { index += 1 }
            }
            if index < bytes.count, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
                integral = false
                index += 1
                if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") {
                    index += 1
                }
                guard index < bytes.count, isDigit(bytes[index]) else { throw fail("expected an exponent digit") }
                while index < bytes.count, isDigit(bytes[index]) { index += 1 }
            }
            let text = String(decoding: bytes[start..<index], as: UTF8.self)
            if integral, let value = Int(text) { return .integer(value) }
            guard let value = Double(text), value.isFinite else {
                throw fail("the number \(text) is out of range", at: start)
            }
            return .number(value)
        }
    }
}
