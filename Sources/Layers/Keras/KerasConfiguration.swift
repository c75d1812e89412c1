import Tensor

extension Sequential {
    /// Builds a model from a Keras model configuration: the `config.json` of a Keras 3 `.keras`
    /// archive, or the `model_config` attribute of a legacy Keras 2 / tf.keras `.h5` file (what
    /// `model.to_json()` returns), given as parsed JSON.
    ///
    /// ```swift
    /// let json = try JSONDecoder().decode(JSONValue.self, from: Data(contentsOf: configURL))
    /// let model = try Sequential(kerasConfiguration: json)
    /// try model.setKerasWeights(weightsPerLayer)   // from the .h5 file, in Keras' order
    /// ```
    ///
    /// The layers are those of the library: `InputLayer` (which gives the input shape), `Dense`,
    /// `LSTM`, `GRU`, `SimpleRNN`, `Conv1D`, `Conv2D`, `Conv2DTranspose`, `MaxPooling1D`, `MaxPooling2D`,
    /// `UpSampling1D`, `UpSampling2D`, `GlobalAveragePooling1D`, `Flatten`, `Reshape`, `Dropout`,
    /// `RepeatVector`, `TimeDistributed`, `Bidirectional`, `LayerNormalization`, `BatchNormalization`,
    /// `GaussianNoise` and nested `Sequential` models. Every option is checked: one that changes what
    /// a layer computes must have a value the library supports, so a translated model predicts what
    /// Keras predicts. Initializers the library lacks become its defaults (they matter only for new
    /// training). A layer with `trainable: false` gets non-trainable weights. The weights are freshly
    /// initialized: load Keras' with ``setKerasWeights(_:)``.
    ///
    /// - Parameters:
    ///   - kerasConfiguration: `{"class_name": "Sequential", "config": {"name": …, "layers": […]}, …}`.
    ///   - dialect: Which Keras wrote it; `nil` infers it (`keras_version`, then `batch_shape` or a
    ///     `DTypePolicy` for Keras 3, `batch_input_shape` for Keras 2; Keras 3 when nothing tells).
    ///     It decides what `hard_sigmoid` means and GRU's default `reset_after`.
    ///   - inputShape: The shape of one sample when the configuration has none, or leaves sizes
    ///     open (`null` timesteps); it must agree with the sizes the configuration gives.
    ///   - seed: Seeds the initial weights, shuffling and dropout.
    /// - Throws: ``KerasError`` naming the layer and the class or option at fault
    ///   (``KerasError/unsupportedModel(className:)`` for a Functional or subclassed model,
    ///   ``KerasError/unsupportedLayer(layer:className:)``, ``KerasError/unsupportedOption(layer:option:value:supported:)``);
    ///   ``LayerError`` when the layers do not fit together.
    public convenience init(
        kerasConfiguration: JSONValue, dialect: KerasDialect? = nil, inputShape: [Int]? = nil, seed: UInt64 = 0
    ) throws {
        guard case let .object(top) = kerasConfiguration else {
            throw KerasError.invalidConfiguration(layer: "model", key: "$", reason: "expected a JSON object")
        }
        guard case let .string(className)? = top["class_name"] else {
            throw KerasError.invalidConfiguration(layer: "model", key: "class_name", reason: "expected a string")
        }
        guard className == "Sequential" else { throw KerasError.unsupportedModel(className: className) }
        let dialect = dialect ?? Self.inferDialect(kerasConfiguration)
        var plan = try Self.kerasPlan(top["config"], path: "", dialect: dialect)
        if plan.inputShape == nil, case let .object(build)? = top["build_config"] {
            plan.inputShape = build["input_shape"].flatMap(Self.sampleShape)
        }
        let shape = try Self.resolve(plan.inputShape, given: inputShape, layer: plan.inputName ?? plan.name)
        self.init(inputShape: shape, seed: seed, name: plan.name)
        try addKeras(plan.layers, path: "", dialect: dialect, depth: 0)
    }

    /// A nested model: its configuration, built for the enclosing model's current output shape.
    static func fromKeras(
        config: JSONValue?, path: String, inputShape: [Int], dialect: KerasDialect, depth: Int
    ) throws -> Sequential {
        let plan = try kerasPlan(config, path: path, dialect: dialect)
        if let stated = plan.inputShape {
            _ = try resolve(stated, given: inputShape, layer: plan.inputName.map { path + "/" + $0 } ?? path)
        }
        let model = Sequential(inputShape: inputShape, name: plan.name)
        try model.addKeras(plan.layers, path: path, dialect: dialect, depth: depth)
        return model
    }

    /// What a Sequential configuration holds: name, the sample shape it states (sizes `nil` where
    /// open), the InputLayer's name and the other layers.
    private struct KerasPlan {
        var name: String
        var inputShape: [Int?]?
        var inputName: String?
        var layers: [JSONValue]
    }

    private static func kerasPlan(_ config: JSONValue?, path: String, dialect: KerasDialect) throws -> KerasPlan {
        let location = path.isEmpty ? "model" : path
        var name = ""
        var layers: [JSONValue]
        var buildShape: JSONValue?
        switch config {
        case let .array(list)?: layers = list  // Keras 2.2: the layer list itself
        case let .object(members)?:
            if case let .string(text)? = members["name"] { name = text }
            guard case let .array(list)? = members["layers"] else {
                throw KerasError.invalidConfiguration(
                    layer: location, key: "layers", reason: "expected a list of layers")
            }
            layers = list
            buildShape = members["build_input_shape"] ?? members["batch_input_shape"]
            var known = KerasOptions.sequentialKeys
            known.insert("layers")
            if let unknown = members.keys.filter({ !known.contains($0) }).min() {
                throw KerasError.unsupportedOption(
                    layer: location, option: unknown, value: KerasOptions.render(members[unknown]),
                    supported: "no such option in the translation")
            }
        default:
            throw KerasError.invalidConfiguration(layer: location, key: "config", reason: "expected a JSON object")
        }
        var plan = KerasPlan(name: name, inputShape: nil, inputName: nil, layers: layers)
        if let first = layers.first, case let .object(object) = first, object["class_name"] == .string("InputLayer") {
            let (_, config, inputPath) = try KerasLayerMapping.parts(first, parent: path)
            var o = try KerasOptions(config, layer: inputPath, dialect: dialect)
            try o.common()
            try o.require("sparse", in: [.bool(false)], "false")
            try o.require("ragged", in: [.bool(false)], "false")
            try o.require("optional", in: [.bool(false)], "false")
            guard let shape = (o.value("batch_shape") ?? o.value("batch_input_shape")).flatMap(sampleShape) else {
                throw o.invalid("batch_shape", "expected [null, sizes…]")
            }
            try o.finish()
            plan.inputShape = shape
            if case let .object(members)? = config, case let .string(text)? = members["name"] { plan.inputName = text }
            plan.layers.removeFirst()
        } else if let first = layers.first, case let .object(object) = first,
            case let .object(config)? = object["config"],
            let stated = config["batch_input_shape"]
        {
            plan.inputShape = sampleShape(stated)
        } else if let buildShape {
            plan.inputShape = sampleShape(buildShape)
        }
        return plan
    }

    /// `[null, 5, 59]` → `[5, 59]` (open sizes `nil`); `nil` unless a list of sizes or nulls.
    private static func sampleShape(_ json: JSONValue) -> [Int?]? {
        guard case let .array(elements) = json, !elements.isEmpty else { return nil }
        var shape: [Int?] = []
        for element in elements.dropFirst() {
            switch element {
            case .null: shape.append(nil)
            case let .number(number):
                guard let size = Int(exactly: number) else { return nil }
                shape.append(size)
            default: return nil
            }
        }
        return shape
    }

    /// The sample shape from the configuration's and the caller's.
    private static func resolve(_ stated: [Int?]?, given: [Int]?, layer: String) throws -> [Int] {
        switch (stated, given) {
        case let (stated?, given?):
            guard stated.count == given.count, zip(stated, given).allSatisfy({ $0 == nil || $0 == $1 }) else {
                throw KerasError.invalidConfiguration(
                    layer: layer, key: "batch_shape",
                    reason: "the configuration's input \(render(stated)) does not match the input shape \(given)")
            }
            return given
        case let (nil, given?): return given
        case let (stated?, nil):
            let sizes = stated.compactMap { $0 }
            guard sizes.count == stated.count else {
                throw KerasError.unsupportedOption(
                    layer: layer, option: "batch_shape", value: "[null, " + render(stated).dropFirst(),
                    supported: "a size for every axis but the batch (or pass inputShape:)")
            }
            return sizes
        case (nil, nil):
            throw KerasError.invalidConfiguration(
                layer: layer, key: "batch_shape",
                reason: "the configuration gives no input shape (no InputLayer): pass inputShape:")
        }
    }

    private static func render(_ shape: [Int?]) -> String {
        "[" + shape.map { $0.map(String.init) ?? "null" }.joined(separator: ", ") + "]"
    }

    private func addKeras(_ layers: [JSONValue], path: String, dialect: KerasDialect, depth: Int) throws {
        for json in layers {
            let translated = try KerasLayerMapping.layer(
                json, parent: path, inputShape: outputShape, dialect: dialect, depth: depth)
            try add(translated.layer)
            if !translated.trainable { for parameter in translated.layer.parameters { parameter.isTrainable = false } }
        }
    }

    /// Which Keras wrote a configuration (see ``init(kerasConfiguration:dialect:inputShape:seed:)``).
    static func inferDialect(_ json: JSONValue) -> KerasDialect {
        if case let .object(top) = json, case let .string(version)? = top["keras_version"] {
            if version.hasPrefix("2.") || version.hasPrefix("1.") { return .keras2 }
            if version.hasPrefix("3.") { return .keras3 }
        }
        func search(_ value: JSONValue) -> KerasDialect? {
            switch value {
            case let .object(members):
                if members["batch_shape"] != nil { return .keras3 }
                if members["batch_input_shape"] != nil { return .keras2 }
                if members["class_name"] == .string("DTypePolicy") { return .keras3 }
                for key in members.keys.sorted() { if let found = search(members[key]!) { return found } }
                return nil
            case let .array(elements):
                for element in elements { if let found = search(element) { return found } }
                return nil
            default: return nil
            }
        }
        return search(json) ?? .keras3
    }
}

extension KerasOptions {
    /// The keys of a Sequential model's configuration that change nothing computed.
    static let sequentialKeys: Set<String> = ["name", "trainable", "dtype", "build_input_shape", "batch_input_shape"]
}
