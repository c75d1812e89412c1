import Foundation
import Layers
import Tensor
import Testing

/// A JSON tree that keeps member order and allows duplicate keys and raw number text, so that
/// mutations can write what Foundation's serializer never would.
private indirect enum FuzzJSON {
    case null
    case bool(Bool)
    case number(String)
    case string(String)
    case array([FuzzJSON])
    case object([(String, FuzzJSON)])

    /// Parses the JSON RareEventKit writes (and safetensors headers); `nil` for anything else.
    static func parse(_ text: String) -> FuzzJSON? {
        var scalars = Array(text.unicodeScalars)[...]
        func space() {
            while let c = scalars.first, c == " " || c == "\n" || c == "\r" || c == "\t" { scalars.removeFirst() }
        }
        func string() -> String? {
            guard scalars.first == "\"" else { return nil }
            scalars.removeFirst()
            var result = ""
            while let c = scalars.popFirst() {
                if c == "\"" { return result }
                if c == "\\" {
                    guard let e = scalars.popFirst() else { return nil }
                    switch e {
                    case "n": result += "\n"
                    case "t": result += "\t"
                    case "u":
                        guard scalars.count >= 4,
                            let v = UInt32(String(String.UnicodeScalarView(scalars.prefix(4))), radix: 16),
                            let u = Unicode.Scalar(v)
                        else { return nil }
                        scalars.removeFirst(4)
                        result.unicodeScalars.append(u)
                    default: result.unicodeScalars.append(e)
                    }
                } else {
                    result.unicodeScalars.append(c)
                }
            }
            return nil
        }
        func value() -> FuzzJSON? {
            space()
            guard let c = scalars.first else { return nil }
            switch c {
            case "{":
                scalars.removeFirst()
                var members: [(String, FuzzJSON)] = []
                space()
                if scalars.first == "}" {
                    scalars.removeFirst()
                    return .object(members)
                }
                while true {
                    space()
                    guard let key = string() else { return nil }
                    space()
                    guard scalars.popFirst() == ":", let v = value() else { return nil }
                    members.append((key, v))
                    space()
                    switch scalars.popFirst() {
                    case ",": continue
                    case "}": return .object(members)
                    default: return nil
                    }
                }
            case "[":
                scalars.removeFirst()
                var elements: [FuzzJSON] = []
                space()
                if scalars.first == "]" {
                    scalars.removeFirst()
                    return .array(elements)
                }
                while true {
                    guard let v = value() else { return nil }
                    elements.append(v)
                    space()
                    switch scalars.popFirst() {
                    case ",": continue
                    case "]": return .array(elements)
                    default: return nil
                    }
                }
            case "\"": return string().map(FuzzJSON.string)
            case "t":
                scalars.removeFirst(4)
                return .bool(true)
            case "f":
                scalars.removeFirst(5)
                return .bool(false)
            case "n":
                scalars.removeFirst(4)
                return .null
            default:
                var text = ""
                while let d = scalars.first, "-+.eE0123456789".unicodeScalars.contains(d) {
                    text.unicodeScalars.append(d)
                    scalars.removeFirst()
                }
                return text.isEmpty ? nil : .number(text)
            }
        }
        guard let result = value() else { return nil }
        space()
        return scalars.isEmpty ? result : nil
    }

    var text: String {
        switch self {
        case .null: "null"
        case let .bool(flag): flag ? "true" : "false"
        case let .number(raw): raw
        case let .string(value):
            "\""
                + value.unicodeScalars.map { c -> String in
                    switch c {
                    case "\"": "\\\""
                    case "\\": "\\\\"
                    case "\n": "\\n"
                    default: c.value < 0x20 ? String(format: "\\u%04x", c.value) : String(c)
                    }
                }.joined() + "\""
        case let .array(elements): "[" + elements.map(\.text).joined(separator: ",") + "]"
        case let .object(members):
            "{" + members.map { FuzzJSON.string($0.0).text + ":" + $0.1.text }.joined(separator: ",") + "}"
        }
    }

    /// Paths (indices into arrays and member lists) of every node.
    func paths(_ prefix: [Int] = []) -> [[Int]] {
        var result = [prefix]
        switch self {
        case let .array(elements): for (i, e) in elements.enumerated() { result += e.paths(prefix + [i]) }
        case let .object(members): for (i, m) in members.enumerated() { result += m.1.paths(prefix + [i]) }
        default: break
        }
        return result
    }

    /// Replaces the node at `path` with `transform(node)`; a `nil` result deletes it from its parent.
    func updating(_ path: ArraySlice<Int>, _ transform: (FuzzJSON) -> FuzzJSON?) -> FuzzJSON? {
        guard let first = path.first else { return transform(self) }
        switch self {
        case var .array(elements):
            if let new = elements[first].updating(path.dropFirst(), transform) {
                elements[first] = new
            } else {
                elements.remove(at: first)
            }
            return .array(elements)
        case var .object(members):
            if let new = members[first].1.updating(path.dropFirst(), transform) {
                members[first].1 = new
            } else {
                members.remove(at: first)
            }
            return .object(members)
        default: return self
        }
    }
}

/// Draws from a seeded generator.
extension SeededGenerator {
    fileprivate mutating func below(_ n: Int) -> Int { Int(next() % UInt64(n)) }
    fileprivate mutating func pick<T>(_ values: [T]) -> T { values[below(values.count)] }
}

/// Reads a safetensors file independently of the library: `nil` when the header is not parseable,
/// else each tensor's shape and little-endian floats at its offsets (only called on files the
/// library accepted, to check that it returned exactly these).
private func referenceTensors(_ data: Data) -> [String: (shape: [Int], scalars: [UInt32])]? {
    guard data.count >= 8 else { return nil }
    let length = Int(data.prefix(8).reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) })
    guard length <= data.count - 8, let text = String(data: data.subdata(in: 8..<(8 + length)), encoding: .utf8),
        case let .object(members)? = FuzzJSON.parse(text)
    else { return nil }
    var result: [String: (shape: [Int], scalars: [UInt32])] = [:]
    for (name, entry) in members where name != "__metadata__" {
        guard case let .object(fields) = entry else { return nil }
        let map = Dictionary(fields, uniquingKeysWith: { first, _ in first })
        guard case let .array(shapeValues)? = map["shape"], case let .array(offsets)? = map["data_offsets"],
            offsets.count == 2,
            case let .number(b) = offsets[0], let begin = Int(b)
        else { return nil }
        let shape = shapeValues.compactMap { value -> Int? in
            if case let .number(n) = value { return Int(n) } else { return nil }
        }
        let count = shape.reduce(1, *)
        let base = 8 + length + begin
        let scalars = (0..<count).map { i in
            (0..<4).reduce(UInt32(0)) { $0 | UInt32(data[base + 4 * i + $1]) << (8 * UInt32($1)) }
        }
        result[name] = (shape, scalars)
    }
    return result
}

/// Writes a file without `Data.write`'s flush to disk (a thousand inputs would wait on fsync).
private func write(_ data: Data, to url: URL) throws {
    guard let file = fopen(url.path, "wb") else { throw CocoaError(.fileWriteUnknown) }
    defer { fclose(file) }
    let written = data.withUnsafeBytes { fwrite($0.baseAddress, 1, $0.count, file) }
    guard written == data.count else { throw CocoaError(.fileWriteUnknown) }
}

@Suite struct ModelFolderFuzzTests {
    /// Six small real models: a Dense autoencoder, an LSTM autoencoder, a nested conv model, a
    /// sequence conv model, a model of two bidirectional recurrent layers, and one with the normalization and noise
    /// layers (non-trainable weights included).
    private static func models() throws -> [Sequential] {
        let dense = try Sequential(inputShape: [8], seed: 1) {
            Dense(units: 4, activation: .relu)
            Dropout(rate: 0.1)
            Dense(units: 2)
            Dense(units: 4, activation: .relu)
            Dense(units: 8, activation: .sigmoid)
        }
        let lstm = try Sequential(inputShape: [3, 4], seed: 2) {
            LSTM(units: 3, activation: .relu)
            RepeatVector(count: 3)
            LSTM(units: 3, returnSequences: true)
            TimeDistributed(Dense(units: 4))
        }
        let encoder = try Sequential(inputShape: [6, 6, 1], seed: 3, name: "encoder") {
            Conv2D(filters: 2, kernelSize: 3, strides: 2, padding: .same, activation: .relu)
            MaxPooling2D(poolSize: 3, padding: .valid)
            Flatten()
        }
        let decoder = try Sequential(inputShape: [2], seed: 4, name: "decoder") {
            Reshape(targetShape: [1, 1, 2])
            UpSampling2D(size: 3)
            Conv2DTranspose(filters: 2, kernelSize: 3, strides: 2, padding: .same, activation: .relu)
            Conv2D(filters: 1, kernelSize: [3, 2], padding: .same, dilationRate: [2, 1], activation: .sigmoid)
        }
        let conv = try Sequential(inputShape: [6, 6, 1], seed: 5) {
            encoder
            decoder
        }
        let sequence = try Sequential(inputShape: [8, 3], seed: 6) {
            Conv1D(filters: 2, kernelSize: 3, padding: .causal, dilationRate: 2, activation: .relu)
            MaxPooling1D(poolSize: 2, padding: .same)
            UpSampling1D(size: 2)
            Conv1D(filters: 3, kernelSize: 2, strides: 2)
            GlobalAveragePooling1D(keepDims: true)
        }
        let bidirectional = try Sequential(inputShape: [3, 2], seed: 6) {
            Bidirectional(LSTM(units: 2, returnSequences: true), mergeMode: .sum)
            Bidirectional(GRU(units: 2))
        }
        let normalized = try Sequential(inputShape: [3, 4], seed: 6) {
            Dense(units: 4, activation: .relu)
            BatchNormalization()
            GaussianNoise(stddev: 0.1)
            LayerNormalization(center: false)
            TimeDistributed(Dense(units: 4))
        }
        return [dense, lstm, conv, sequence, bidirectional, normalized]
    }

    private static let numbers = [
        "0", "-1", "-3", "1", "2", "7", "2.5", "1e8", "100000000", "2147483647", "2147483648",
        "4294967296", "1000000000000", "2305843009213693952", "4611686018427387904",
        "9223372036854775807", "-9223372036854775808", "99999999999999999999", "1e300", "1e999",
    ]

    private static func mutateConfiguration(_ json: FuzzJSON, _ g: inout SeededGenerator) -> String {
        var tree = json
        var duplicate: (path: [Int], key: String, value: FuzzJSON)?
        for _ in 0..<(1 + g.below(3)) {
            let paths = tree.paths()
            let path = g.pick(paths)
            switch g.below(9) {
            case 0, 1:  // a number (or anything) becomes huge, negative, fractional or a NaN string
                tree =
                    tree.updating(path[...]) { node in
                        if case .number = node { return .number(g.pick(numbers)) }
                        return g.below(2) == 0 ? .number(g.pick(numbers)) : node
                    } ?? tree
            case 2:  // NaN and infinity as strings, and other wrong types
                tree =
                    tree.updating(path[...]) { _ in
                        g.pick([
                            .string("NaN"), .string("inf"), .string("-Infinity"), .null, .bool(true), .array([]),
                            .object([]),
                            .array([.number("1"), .number("-1")]), .string(""),
                        ])
                    } ?? tree
            case 3:  // delete a member or element
                if !path.isEmpty { tree = tree.updating(path[...]) { _ in nil } ?? tree }
            case 4:  // duplicate a key of an object (written twice in the text)
                if case let .object(members)? = node(tree, path), let member = members.first {
                    let index = g.below(members.count)
                    duplicate = (path, members[index].0, g.below(2) == 0 ? members[index].1 : .number(g.pick(numbers)))
                    _ = member
                }
            case 5:  // deepen nesting: wrap layers in nested models, or a value in arrays
                if case let .array(elements)? = node(tree, path), !elements.isEmpty, g.below(2) == 0 {
                    let depth = g.pick([1, 2, 5, 31, 40, 200])
                    tree =
                        tree.updating(path[...]) { _ in
                            var inner = FuzzJSON.array(elements)
                            for level in 0..<depth {
                                inner = .array([
                                    .object([
                                        ("type", .string("Sequential")),
                                        (
                                            "config",
                                            .object([
                                                ("format", .string("RareEventKit.Sequential")),
                                                ("version", .number("1")),
                                                ("inputShape", .array([.number("8")])), ("layers", inner),
                                                ("name", .string("n\(level)")),
                                            ])
                                        ),
                                    ])
                                ])
                            }
                            return inner
                        } ?? tree
                } else {
                    let depth = g.pick([3, 50, 120, 600])
                    tree =
                        tree.updating(path[...]) { node in (0..<depth).reduce(node) { inner, _ in .array([inner]) } }
                        ?? tree
                }
            case 6:  // layer types and names swapped
                tree =
                    tree.updating(path[...]) { node in
                        guard case .string = node else { return node }
                        return .string(
                            g.pick([
                                "Dense", "LSTM", "GRU", "SimpleRNN", "Sequential", "TimeDistributed", "Bidirectional",
                                "Conv2D",
                                "Conv2DTranspose",
                                "Flatten",
                                "Reshape", "RepeatVector", "MaxPooling2D", "UpSampling2D", "Dropout", "Nope",
                                "Conv1D", "MaxPooling1D", "UpSampling1D", "GlobalAveragePooling1D", "causal",
                                "GaussianNoise", "LayerNormalization", "BatchNormalization",
                                "dense", "lstm", "encoder", "same", "valid", "relu", "orthogonal", "glorot_uniform",
                            ]))
                    } ?? tree
            case 7:  // duplicate or drop an array element (a layer, a dimension)
                tree =
                    tree.updating(path[...]) { node in
                        guard case var .array(elements) = node, !elements.isEmpty else { return node }
                        let i = g.below(elements.count)
                        if g.below(2) == 0 { elements.insert(elements[i], at: i) } else { elements.remove(at: i) }
                        return .array(elements)
                    } ?? tree
            default:  // a small valid change: units/count ± 1
                tree =
                    tree.updating(path[...]) { node in
                        guard case let .number(raw) = node, let value = Int(raw) else { return node }
                        return .number("\(value + g.pick([-1, 1, 2]))")
                    } ?? tree
            }
        }
        var text = tree.text
        if let duplicate, case let .object(members)? = node(tree, duplicate.path), !members.isEmpty {
            // Re-render that object with the key repeated.
            let rendered = FuzzJSON.object(members).text
            let repeated =
                String(rendered.dropLast()) + "," + FuzzJSON.string(duplicate.key).text + ":" + duplicate.value.text
                + "}"
            if let range = text.range(of: rendered) { text.replaceSubrange(range, with: repeated) }
        }
        return text
    }

    private static func node(_ tree: FuzzJSON, _ path: [Int]) -> FuzzJSON? {
        var current = tree
        for index in path {
            switch current {
            case let .array(elements) where index < elements.count: current = elements[index]
            case let .object(members) where index < members.count: current = members[index].1
            default: return nil
            }
        }
        return current
    }

    private static func mutateWeights(_ data: Data, _ g: inout SeededGenerator) -> Data {
        var bytes = [UInt8](data)
        let headerLength = Int(bytes.prefix(8).reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) })
        switch g.below(6) {
        case 0, 1, 2:  // header mutations through the JSON tree, then a consistent or stale length
            guard let text = String(bytes: bytes[8..<(8 + headerLength)], encoding: .utf8),
                let header = FuzzJSON.parse(text)
            else { break }
            var tree = header
            for _ in 0..<(1 + g.below(2)) {
                let path = g.pick(tree.paths())
                switch g.below(5) {
                case 0, 1:
                    tree =
                        tree.updating(path[...]) { node in
                            if case .number = node {
                                return .number(g.pick(numbers + ["4", "8", "12", "16", "\(data.count)"]))
                            }
                            return node
                        } ?? tree
                case 2:
                    if !path.isEmpty { tree = tree.updating(path[...]) { _ in nil } ?? tree }
                case 3:
                    tree =
                        tree.updating(path[...]) { node in
                            guard case var .object(members) = node, let first = members.first else { return node }
                            members.append(
                                g.below(2) == 0
                                    ? first
                                    : (
                                        "extra",
                                        .object([
                                            ("dtype", .string("F32")), ("shape", .array([.number("1")])),
                                            ("data_offsets", .array([.number("0"), .number("4")])),
                                        ])
                                    ))
                            return .object(members)
                        } ?? tree
                default:
                    tree =
                        tree.updating(path[...]) { node in
                            guard case .string = node else { return node }
                            return .string(
                                g.pick(["F16", "F64", "I32", "BF16", "F32", "dense/kernel", "__metadata__"]))
                        } ?? tree
                }
            }
            var json = Array(tree.text.utf8)
            while json.count % 8 != 0 { json.append(0x20) }
            let length = g.below(8) == 0 ? UInt64(g.below(json.count + 16)) : UInt64(json.count)
            bytes = withUnsafeBytes(of: length.littleEndian) { Array($0) } + json + bytes[(8 + headerLength)...]
        case 3:  // byte flips anywhere, or NaN/inf written into the data
            if g.below(2) == 0 {
                for _ in 0..<(1 + g.below(4)) { bytes[g.below(bytes.count)] ^= UInt8(1 << g.below(8)) }
            } else if bytes.count >= 8 + headerLength + 4 {
                let floats = (bytes.count - 8 - headerLength) / 4
                let at = 8 + headerLength + 4 * g.below(floats)
                let bad: Float = g.pick([.nan, .infinity, -.infinity, .signalingNaN])
                withUnsafeBytes(of: bad.bitPattern.littleEndian) { bytes.replaceSubrange(at..<(at + 4), with: $0) }
            }
        case 4:  // truncation or extra bytes
            if g.below(2) == 0 {
                bytes = Array(bytes.prefix(g.below(bytes.count)))
            } else {
                bytes += [UInt8](repeating: 0, count: 1 + g.below(9))
            }
        default:  // a random header length
            let length = g.pick([
                0, 1, 7, UInt64(headerLength - 8), UInt64(headerLength + 8), UInt64(Int32.max), UInt64.max, 1 << 62,
            ])
            withUnsafeBytes(of: UInt64(length).littleEndian) { bytes.replaceSubrange(0..<8, with: $0) }
        }
        return Data(bytes)
    }

    @Test func mutatedModelFoldersLoadExactlyOrThrowTypedErrors() throws {
        let inputs = FuzzBudget.count(1000)
        var g = FuzzBudget.generator(0x4D4F_4445_4C53)  // "MODELS"
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("rek-fuzz-models-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        var originals: [(config: String, tree: FuzzJSON, weights: Data)] = []
        for (index, model) in try Self.models().enumerated() {
            let folder = root.appendingPathComponent("original-\(index)")
            try model.save(to: folder)
            let config = try String(contentsOf: folder.appendingPathComponent("config.json"), encoding: .utf8)
            let tree = try #require(FuzzJSON.parse(config))
            originals.append((config, tree, try Data(contentsOf: folder.appendingPathComponent("model.safetensors"))))
        }
        let folder = root.appendingPathComponent("input")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        var (loaded, rejected, predicted, slowest, loading) = (0, 0, 0, 0.0, 0.0)
        for input in 0..<inputs {
            let original = g.pick(originals)
            let target = g.below(10)
            let config = target < 5 || target == 9 ? Self.mutateConfiguration(original.tree, &g) : original.config
            let weights = target >= 5 ? Self.mutateWeights(original.weights, &g) : original.weights
            try write(Data(config.utf8), to: folder.appendingPathComponent("config.json"))
            try write(weights, to: folder.appendingPathComponent("model.safetensors"))
            var outcome: Result<Sequential, SavingError>!
            let run = timed {
                outcome = Result { () throws(SavingError) -> Sequential in try Sequential.load(from: folder) }
            }
            slowest = max(slowest, run.seconds)
            loading += run.seconds
            #expect(run.seconds < 1, "input \(input) took \(run.seconds) s: \(config.prefix(300))")
            switch outcome! {
            case let .failure(error):
                rejected += 1
                let message = "\(error)"
                #expect(
                    message.contains("config.json") || message.contains("model.safetensors"),
                    "input \(input): \(message)")
            case let .success(model):
                loaded += 1
                // Every weight is finite and exactly the stored tensor; the file holds nothing else.
                let stored = try #require(referenceTensors(weights), "input \(input): accepted an unreadable file")
                #expect(stored.count == model.namedWeights.count, "input \(input)")
                for (name, tensor) in model.namedWeights {
                    let reference = try #require(stored[name], "input \(input): \(name) not stored")
                    #expect(tensor.shape == reference.shape, "input \(input): \(name)")
                    #expect(
                        tensor.scalars.allSatisfy(\.isFinite) && tensor.scalars.map(\.bitPattern) == reference.scalars,
                        "input \(input): \(name)")
                }
                // It predicts on a correctly shaped input (when its activations are small enough to try).
                var shape = model.inputShape
                var small = shape.reduce(1, *) <= 100_000
                for layer in model.layers where small {
                    shape = try layer.outputShape(for: shape)
                    small = shape.reduce(1, *) <= 100_000
                }
                if small {
                    var inputGenerator = SeededGenerator(seed: UInt64(input))
                    let x = Tensor.uniform(shape: [2] + model.inputShape, limit: 1, using: &inputGenerator)
                    let y = try model.predict(x)
                    #expect(y.shape == [2] + model.outputShape, "input \(input)")
                    predicted += 1
                }
            }
        }
        print(
            "model-folder fuzz: \(inputs) inputs, \(loaded) loaded (\(predicted) predicted), \(rejected) rejected, "
                + "loading took \(String(format: "%.1f", loading)) s, the slowest \(String(format: "%.3f", slowest)) s")
        #expect(loaded + rejected == inputs)
        #expect(loaded > 0 && rejected > 0)
    }
}
