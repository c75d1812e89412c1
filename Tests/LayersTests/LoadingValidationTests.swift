import Foundation
import Layers
import Tensor
import Testing

/// A safetensors file from a header text and a data section.
private func safetensors(_ header: String, data: [UInt8] = []) -> Data {
    let json = Data(header.utf8)
    return withUnsafeBytes(of: UInt64(json.count).littleEndian) { Data($0) } + json + Data(data)
}

private func floats(_ values: [Float]) -> [UInt8] {
    values.flatMap { value in withUnsafeBytes(of: value.bitPattern.littleEndian) { Array($0) } }
}

/// Saves a tiny model, then lets `edit` rewrite its config.json text before loading it again.
private func loadEditedConfiguration(_ model: Sequential, _ edit: (String) -> String) throws -> Result<
    Sequential, SavingError
> {
    let folder = try temporaryFolder()
    defer { try? FileManager.default.removeItem(at: folder) }
    try model.save(to: folder)
    let url = folder.appendingPathComponent("config.json")
    try Data(edit(try String(contentsOf: url, encoding: .utf8)).utf8).write(to: url)
    do { return .success(try Sequential.load(from: folder)) } catch { return .failure(error) }
}

@Suite struct SafetensorsValidationTests {
    let path = "w.safetensors"

    private func decodeError(_ data: Data) -> SavingError? {
        do {
            _ = try Safetensors.decode(data, path: path)
            return nil
        } catch { return error }
    }

    @Test func hugeShapesAndOffsetsAreTypedErrorsNotOverflows() {
        let square = safetensors(
            #"{"a":{"dtype":"F32","shape":[2147483647,2147483647],"data_offsets":[0,4]}}"#, data: floats([1]))
        #expect(
            decodeError(square)
                == .invalidTensor(
                    path: path, tensor: "a",
                    reason: "shape [2147483647, 2147483647] has more elements than an Int counts"))
        let far = safetensors(
            #"{"a":{"dtype":"F32","shape":[1],"data_offsets":[9223372036854775803,9223372036854775807]}}"#)
        #expect(
            decodeError(far)
                == .invalidTensor(
                    path: path, tensor: "a",
                    reason:
                        "data_offsets [9223372036854775803, 9223372036854775807] leave unused bytes 0..<9223372036854775803"
                ))
        let beyond = safetensors(#"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,99999999999999999999]}}"#)
        #expect(
            decodeError(beyond)
                == .invalidTensor(
                    path: path, tensor: "a",
                    reason: "data_offsets [0, 1e+20] are not two integers 0 ≤ begin ≤ end"))
        let long = safetensors(#"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}"#, data: [])
        #expect(decodeError(long) == .truncated(path: path, expected: 8 + 54 + 4, found: 8 + 54))
        var hugeHeader = Data([0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF])
        hugeHeader.append(contentsOf: [0x7B, 0x7D])
        #expect(
            decodeError(hugeHeader)
                == .corrupt(
                    path: path, reason: "the header length 18446744073709551615 exceeds the limit of 100000000 bytes"))
    }

    @Test func tensorsMustTileTheDataExactly() throws {
        let overlap = safetensors(
            #"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}"#,
            data: floats([1, 2, 3]))
        #expect(
            decodeError(overlap)
                == .invalidTensor(
                    path: path, tensor: "b", reason: "data_offsets [4, 12] overlap tensor 'a', which ends at 8"))
        let gap = safetensors(
            #"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}}"#,
            data: floats([1, 2, 3]))
        #expect(
            decodeError(gap)
                == .invalidTensor(path: path, tensor: "b", reason: "data_offsets [8, 12] leave unused bytes 4..<8"))
        let trailing = safetensors(#"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}"#, data: floats([1, 2]))
        #expect(
            decodeError(trailing)
                == .corrupt(
                    path: path, reason: "4 bytes follow the last tensor's data (expected the file to end at byte 66)"))
        let wrongSize = safetensors(#"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,4]}}"#, data: floats([1]))
        #expect(
            decodeError(wrongSize)
                == .invalidTensor(
                    path: path, tensor: "a", reason: "data_offsets [0, 4] hold 4 bytes; shape [2] of F32 needs 8"))
        let extraKey = safetensors(#"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4],"x":1}}"#, data: floats([1]))
        #expect(
            decodeError(extraKey)
                == .invalidTensor(
                    path: path, tensor: "a", reason: "expected exactly the keys dtype, shape and data_offsets"))
        let negative = safetensors(#"{"a":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}}"#, data: floats([1]))
        #expect(
            decodeError(negative)
                == .invalidTensor(path: path, tensor: "a", reason: "shape [-1] is not a list of non-negative integers"))
        let half = safetensors(#"{"a":{"dtype":"F16","shape":[2],"data_offsets":[0,4]}}"#, data: floats([1]))
        #expect(decodeError(half) == .unsupportedDType(path: path, tensor: "a", dtype: "F16"))
        // Zero-sized tensors and the reference writer's order (any order of keys) are fine.
        let good = safetensors(
            #"{"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]},"e":{"dtype":"F32","shape":[0,3],"data_offsets":[4,4]},"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}"#,
            data: floats([1, 2]))
        let decoded = try Safetensors.decode(good, path: path)
        #expect(decoded.tensors == ["a": Tensor([1]), "b": Tensor([2]), "e": Tensor(zeros: [0, 3])])
    }

    @Test func duplicateKeysAndNonFiniteWeightsAreRejected() {
        let twice = safetensors(
            #"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}"#,
            data: floats([1]))
        #expect(decodeError(twice) == .duplicateKey(path: path, key: "$: duplicate key \"a\""))
        let escaped = safetensors(
            #"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4],"sh\u0061pe":[1]}}"#, data: floats([1]))
        #expect(decodeError(escaped) == .duplicateKey(path: path, key: "$.a: duplicate key \"shape\""))
        for bad: Float in [.nan, .infinity, -.infinity] {
            let file = safetensors(
                #"{"a":{"dtype":"F32","shape":[3],"data_offsets":[0,12]}}"#, data: floats([1, 2, bad]))
            #expect(decodeError(file) == .nonFiniteWeight(path: path, tensor: "a", index: 2))
        }
    }

    @Test func extraOrMissingTensorsAreRejectedByLoadWeights() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let model = try Sequential(inputShape: [2]) { Dense(units: 1, name: "d") }
        let url = folder.appendingPathComponent("w.safetensors")
        let kernel = Tensor(shape: [2, 1], scalars: [1, 2])
        let bias = Tensor([3])
        try Safetensors.encode([("d/kernel", kernel), ("d/bias", bias), ("other", Tensor([4]))]).write(to: url)
        let before = model.weights()
        #expect(throws: SavingError.unexpectedTensor(path: url.path, name: "other")) {
            try model.loadWeights(from: url)
        }
        #expect(model.weights() == before)
        try Safetensors.encode([("d/kernel", kernel)]).write(to: url)
        #expect(throws: SavingError.missingTensor(path: url.path, name: "d/bias")) { try model.loadWeights(from: url) }
        try Safetensors.encode([("d/kernel", kernel), ("d/bias", bias)]).write(to: url)
        try model.loadWeights(from: url)
        #expect(model.weights() == [kernel, bias])
    }
}

@Suite struct ModelSizeValidationTests {
    @Test func hugeLayersThrowInsteadOfAborting() throws {
        let limit = SizeLimit.maximumElementCount
        let model = Sequential(inputShape: [59])
        #expect(throws: LayerError.tooLarge(layer: "dense", tensor: "kernel", size: "[59, \(1 << 40)]", limit: limit)) {
            try model.add(Dense(units: 1 << 40))
        }
        let sequences = Sequential(inputShape: [5, 59])
        #expect(throws: LayerError.tooLarge(layer: "lstm", tensor: "bias", size: "4 × \(1 << 61)", limit: limit)) {
            try sequences.add(LSTM(units: 1 << 61))
        }
        #expect(throws: LayerError.tooLarge(layer: "lstm", tensor: "kernel", size: "[59, \(4 << 28)]", limit: limit)) {
            try sequences.add(LSTM(units: 1 << 28))
        }
        let vector = Sequential(inputShape: [16])
        #expect(
            throws: LayerError.tooLarge(
                layer: "repeat_vector", tensor: "output", size: "[1000000000000, 16]", limit: limit)
        ) {
            try vector.add(RepeatVector(count: 1_000_000_000_000))
        }
        let wide = Sequential(inputShape: [2_147_483_647])
        #expect(throws: LayerError.tooLarge(layer: "dense", tensor: "kernel", size: "[2147483647, 16]", limit: limit)) {
            try wide.add(Dense(units: 16))
        }
        let image = Sequential(inputShape: [8, 8, 1])
        #expect(
            throws: LayerError.tooLarge(
                layer: "up_sampling2d", tensor: "output height", size: "\(Int.max) × 8", limit: limit)
        ) {
            try image.add(UpSampling2D(size: [Int.max, 1]))
        }
        #expect(throws: LayerError.self) { try image.add(Conv2D(filters: Int.max, kernelSize: 3)) }
        #expect(throws: LayerError.self) {
            try image.add(Conv2D(filters: 1, kernelSize: 3, strides: Int.max, padding: .same))
        }
        #expect(throws: LayerError.self) { try image.add(Conv2DTranspose(filters: 2, kernelSize: 3, strides: 1 << 40)) }
        #expect(throws: LayerError.self) { try image.add(Reshape(targetShape: [Int.max, 4])) }
        // Nothing was added by the failures, and the model still builds.
        #expect(model.layers.isEmpty && image.layers.isEmpty)
        try image.add(Conv2D(filters: 2, kernelSize: 3))
        #expect(image.outputShape == [6, 6, 2])
    }

    @Test func badInputShapesAndDuplicateNamesAreRejectedByAdd() throws {
        for shape in [[-3, 4], [0, 59], [5, 0]] {
            let model = Sequential(inputShape: shape)
            let axis = shape.firstIndex { $0 <= 0 }!
            #expect(
                throws: LayerError.invalidArgument(
                    layer: "sequential", argument: "inputShape", value: "\(shape)",
                    expected: "positive sizes (dimension \(axis) is \(shape[axis]))")
            ) {
                try model.add(Dense(units: 2))
            }
        }
        let model = try Sequential(inputShape: [3]) { Dense(units: 2, name: "code") }
        #expect(
            throws: LayerError.invalidArgument(
                layer: "code", argument: "name", value: "\"code\"",
                expected: "a name no other layer of the model has")
        ) {
            try model.add(Dense(units: 2, name: "code"))
        }
        try model.add(Dense(units: 2))
        #expect(model.layers.map(\.name) == ["code", "dense"])
    }
}

@Suite struct ModelLoadingValidationTests {
    private func configError(_ model: Sequential, _ edit: (String) -> String) throws -> SavingError? {
        if case let .failure(error) = try loadEditedConfiguration(model, edit) { return error }
        return nil
    }

    private func tiny() throws -> Sequential {
        try Sequential(inputShape: [4, 3], seed: 1) {
            LSTM(units: 2, name: "lstm")
            RepeatVector(count: 4, name: "repeat")
            TimeDistributed(Dense(units: 3), name: "out")
        }
    }

    @Test func hugeSizesInTheConfigurationAreRejectedBeforeAllocating() throws {
        let model = try tiny()
        let cases: [(String, String, String)] = [
            (#""units" : 2"#, #""units" : 4611686018427387904"#, "layers[0]"),  // LSTM 2⁶²: 4·units overflows
            (#""units" : 2"#, #""units" : 100000000"#, "layers[0]"),  // LSTM 1e8: kernel too large
            (#""count" : 4"#, #""count" : 1000000000000"#, "layers[1]"),  // RepeatVector 10¹²
            (#""units" : 3"#, #""units" : 4611686018427387904"#, "layers[2]"),  // Dense 2⁶²
        ]
        for (original, replacement, key) in cases {
            let start = Date()
            let error = try #require(
                try configError(model) { $0.replacingOccurrences(of: original, with: replacement) })
            guard case let .invalidConfiguration(path, errorKey, reason) = error else {
                Issue.record("\(replacement): \(error)")
                continue
            }
            #expect(path.hasSuffix("config.json") && errorKey == key, "\(error)")
            #expect(reason.contains("exceeds the limit") || reason.contains("Int"), "\(error)")
            #expect(Date().timeIntervalSince(start) < 2)
        }
        // A size within the limit but not the stored weights': the file's shape is compared first.
        let error = try configError(model) {
            $0.replacingOccurrences(of: #""units" : 3"#, with: #""units" : 10000000"#)
        }
        guard case let .shapeMismatch(path, name, expected, found)? = error else {
            Issue.record("\(String(describing: error))")
            return
        }
        #expect(
            path.hasSuffix("model.safetensors") && name == "out/kernel" && expected == [2, 10_000_000]
                && found == [2, 3])
        let wide = try configError(model) {
            $0.replacingOccurrences(of: "4,\n    3\n  ]", with: "4,\n    2147483647\n  ]")
        }
        guard case .invalidConfiguration(_, "inputShape", _)? = wide else {
            Issue.record("\(String(describing: wide))")
            return
        }
    }

    @Test func badInputShapesDuplicateNamesAndKeysAreRejected() throws {
        let model = try tiny()
        for shape in ["-3", "0"] {
            let error = try configError(model) {
                $0.replacingOccurrences(of: "\"inputShape\" : [\n    4,", with: "\"inputShape\" : [\n    \(shape),")
            }
            guard case let .invalidConfiguration(_, key, reason)? = error else {
                Issue.record("\(String(describing: error))")
                continue
            }
            #expect(key == "inputShape" && reason.contains("positive sizes (dimension 0 is \(shape))"), "\(reason)")
        }
        let renamed = try configError(model) {
            $0.replacingOccurrences(of: #""name" : "repeat""#, with: #""name" : "lstm""#)
        }
        guard case let .invalidConfiguration(_, key, reason)? = renamed else {
            Issue.record("\(String(describing: renamed))")
            return
        }
        #expect(key == "layers[1]" && reason.contains("a name no other layer of the model has"))
        let duplicate = try configError(model) {
            $0.replacingOccurrences(of: #""count" : 4"#, with: #""count" : 4, "count" : 400"#)
        }
        #expect(
            duplicate.map { "\($0)" }?.hasSuffix(
                #"config.json: duplicate JSON key $.layers[1].config: duplicate key "count""#) == true,
            "\(String(describing: duplicate))")
        let unknown = try configError(model) {
            $0.replacingOccurrences(of: #""type" : "RepeatVector""#, with: #""type" : "Repeat""#)
        }
        guard case .invalidConfiguration(_, "layers[1]", _)? = unknown else {
            Issue.record("\(String(describing: unknown))")
            return
        }
    }

    @Test func deepNestingIsRejectedQuickly() throws {
        // 500 nested models: rejected by the strict reader before decoding.
        var json = #"{"format":"RareEventKit.Sequential","version":1,"inputShape":[2],"name":"m","layers":[]}"#
        for level in 0..<500 {
            json =
                #"{"format":"RareEventKit.Sequential","version":1,"inputShape":[2],"name":"m\#(level)","layers":[{"type":"Sequential","config":\#(json)}]}"#
        }
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        try Data(json.utf8).write(to: folder.appendingPathComponent("config.json"))
        try Safetensors.encode([]).write(to: folder.appendingPathComponent("model.safetensors"))
        let start = Date()
        #expect(throws: SavingError.self) { try Sequential.load(from: folder) }
        #expect(Date().timeIntervalSince(start) < 1)
        do { _ = try Sequential.load(from: folder) } catch {
            #expect(
                "\(error)".contains("nesting deeper than \(Sequential.maximumConfigurationDepth) levels"), "\(error)")
        }
        // 33 nested models fit the JSON depth but exceed the nesting limit; 32 load.
        for (depth, loads) in [(32, true), (33, false)] {
            var json = #"{"format":"RareEventKit.Sequential","version":1,"inputShape":[2],"name":"m","layers":[]}"#
            for level in 0..<depth {
                json =
                    #"{"format":"RareEventKit.Sequential","version":1,"inputShape":[2],"name":"m\#(level)","layers":[{"type":"Sequential","config":\#(json)}]}"#
            }
            try Data(json.utf8).write(to: folder.appendingPathComponent("config.json"))
            let result = Result { try Sequential.load(from: folder) }
            #expect(((try? result.get()) != nil) == loads, "\(depth): \(result)")
        }
    }

    @Test func loadingDrawsNoInitialWeights() throws {
        // Saved with cheap zero initializers, then the file claims the orthogonal one: building an
        // LSTM(500) with it takes many seconds in a debug build, loading must not run it at all.
        let model = try Sequential(inputShape: [2, 4]) {
            LSTM(units: 500, kernelInitializer: .zeros, recurrentInitializer: .zeros, name: "lstm")
        }
        // Timed against saving and loading the file unchanged, back to back, so a busy machine slows both.
        var start = Date()
        _ = try loadEditedConfiguration(model) { $0 }
        let unchanged = Date().timeIntervalSince(start)
        start = Date()
        let result = try loadEditedConfiguration(model) {
            $0.replacingOccurrences(
                of: #""recurrentInitializer" : "zeros""#, with: #""recurrentInitializer" : "orthogonal""#)
        }
        let edited = Date().timeIntervalSince(start)
        #expect(edited < 3 * unchanged + 1, "saving and loading took \(edited) s, unchanged \(unchanged) s")
        let loaded = try result.get()
        #expect((loaded.layers[0] as? LSTM)?.recurrentInitializer == .orthogonal)
        #expect(loaded.weights() == model.weights())
    }

    @Test func loadedWeightsAreTheStoredOnesAndNothingElse() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let encoder = try Sequential(inputShape: [6, 6, 1], seed: 3, name: "encoder") {
            Conv2D(filters: 2, kernelSize: 3, padding: .same, activation: .relu)
            MaxPooling2D()
        }
        let model = try Sequential(inputShape: [6, 6, 1], seed: 4) {
            encoder
            Flatten()
            Dense(units: 5)
            RepeatVector(count: 2)
            LSTM(units: 3, returnSequences: true)
            TimeDistributed(Dense(units: 2))
        }
        try model.save(to: folder)
        let loaded = try Sequential.load(from: folder)
        let stored = try Safetensors.decode(
            Data(contentsOf: folder.appendingPathComponent("model.safetensors")), path: ""
        ).tensors
        #expect(Dictionary(uniqueKeysWithValues: loaded.namedWeights.map { ($0.name, $0.tensor) }) == stored)
        #expect(loaded.namedWeights.map(\.name) == model.namedWeights.map(\.name))
        // An extra tensor in the file is an error, not silently ignored.
        try Safetensors.encode(model.namedWeights + [("spare", Tensor([1]))]).write(
            to: folder.appendingPathComponent("model.safetensors"))
        #expect(
            throws: SavingError.unexpectedTensor(
                path: folder.appendingPathComponent("model.safetensors").path, name: "spare")
        ) {
            try Sequential.load(from: folder)
        }
    }
}
