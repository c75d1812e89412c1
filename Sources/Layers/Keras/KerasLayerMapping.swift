import Tensor

/// Translates single Keras layer configurations to the library's layers and back.
///
/// Reading checks every option: one that changes what the layer computes must have a value the
/// library supports, options that change nothing at inference or in training (`seed`, `trainable`,
/// `implementation`) are accepted, and an option the translation does not know is refused.
enum KerasLayerMapping {
    /// A translated layer and whether Keras trains its weights (`trainable`).
    struct Translated {
        var layer: any Layer
        var trainable: Bool
    }

    /// The class name, configuration and display path of a `{"class_name": …, "config": …}` object.
    static func parts(_ json: JSONValue, parent: String) throws -> (className: String, config: JSONValue?, path: String)
    {
        guard case let .object(object) = json, case let .string(className)? = object["class_name"] else {
            throw KerasError.invalidConfiguration(
                layer: parent.isEmpty ? "model" : parent, key: "layers",
                reason: "expected each layer as {\"class_name\": …, \"config\": …}")
        }
        var name = snakeCase(className)
        if case let .object(config)? = object["config"], case let .string(text)? = config["name"] { name = text }
        return (className, object["config"], parent.isEmpty ? name : parent + "/" + name)
    }

    /// The library layer for a Keras layer object, for inputs of `inputShape` (batch axis excluded).
    /// `depth` counts the enclosing models and wrappers (at most ``SizeLimit/maximumNestingDepth``).
    static func layer(
        _ json: JSONValue, parent: String, inputShape: [Int], dialect: KerasDialect, depth: Int
    ) throws -> Translated {
        let (className, config, path) = try parts(json, parent: parent)
        guard depth <= SizeLimit.maximumNestingDepth else {
            throw KerasError.invalidConfiguration(
                layer: path, key: "layer",
                reason: "models and wrappers nested deeper than \(SizeLimit.maximumNestingDepth) levels")
        }
        if className == "Sequential" {
            let model = try Sequential.fromKeras(
                config: config, path: path, inputShape: inputShape, dialect: dialect, depth: depth + 1)
            var options = try KerasOptions(config, layer: path, dialect: dialect)
            return Translated(layer: model, trainable: try options.bool("trainable", default: true))
        }
        var o = try KerasOptions(config, layer: path, dialect: dialect)
        try o.common()
        let name = try o.string("name", default: "")
        let trainable = try o.bool("trainable", default: true)
        let layer: any Layer
        switch className {
        case "Dense":
            try o.requireNull("kernel_regularizer", "bias_regularizer", "kernel_constraint", "bias_constraint")
            try o.requireNull("quantization_config", "lora_rank")
            _ = o.value("lora_alpha")
            layer = Dense(
                units: try o.int("units"), activation: try o.activation("activation", default: .linear),
                useBias: try o.bool("use_bias", default: true),
                kernelInitializer: o.initializer("kernel_initializer", default: .glorotUniform),
                biasInitializer: o.initializer("bias_initializer", default: .zeros),
                activityRegularizer: try o.regularizer("activity_regularizer"), name: name)
        case "LSTM", "GRU", "SimpleRNN":
            layer = try recurrent(className, &o, name: name)
        case "Conv1D", "Conv2D", "Conv2DTranspose":
            layer = try convolution(className, &o, name: name)
        case "MaxPooling1D", "MaxPooling2D":
            try channelsLast(&o)
            let rank = className == "MaxPooling1D" ? 1 : 2
            let pool = try o.ints("pool_size", count: rank, default: Array(repeating: 2, count: rank))
            let strides = try o.ints("strides", count: rank, default: pool)
            let padding = try self.padding(&o, allowed: [.valid, .same])
            layer =
                rank == 1
                ? MaxPooling1D(
                    configuration: .init(poolSize: pool[0], strides: strides[0], padding: padding, name: name))
                : MaxPooling2D(configuration: .init(poolSize: pool, strides: strides, padding: padding, name: name))
        case "UpSampling1D":
            layer = UpSampling1D(configuration: .init(size: try o.int("size", default: 2), name: name))
        case "UpSampling2D":
            try channelsLast(&o)
            try o.require("interpolation", in: [.string("nearest")], "\"nearest\"")
            layer = UpSampling2D(configuration: .init(size: try o.ints("size", count: 2, default: [2, 2]), name: name))
        case "GlobalAveragePooling1D":
            try channelsLast(&o)
            layer = GlobalAveragePooling1D(
                configuration: .init(keepDims: try o.bool("keepdims", default: false), name: name))
        case "Flatten":
            try channelsLast(&o)
            layer = Flatten(configuration: .init(name: name))
        case "Reshape":
            guard case let .array(elements)? = o.value("target_shape") else {
                throw o.invalid("target_shape", "expected a list of integers")
            }
            let shape = elements.compactMap { value -> Int? in
                if case let .number(number) = value { Int(exactly: number) } else { nil }
            }
            guard shape.count == elements.count else { throw o.invalid("target_shape", "expected a list of integers") }
            layer = Reshape(configuration: .init(targetShape: shape, name: name))
        case "RepeatVector":
            layer = RepeatVector(configuration: .init(count: try o.int("n"), name: name))
        case "Dropout":
            try o.requireNull("noise_shape")
            layer = Dropout(configuration: .init(rate: try o.float("rate", default: 0), name: name))
        case "GaussianNoise":
            layer = GaussianNoise(configuration: .init(stddev: try o.float("stddev", default: 0), name: name))
        case "LayerNormalization":
            let axis = try normalizationAxis(&o, inputShape: inputShape)
            try o.require("rms_scaling", in: [.bool(false)], "false")
            try o.requireNull("beta_regularizer", "gamma_regularizer", "beta_constraint", "gamma_constraint")
            _ = (o.value("beta_initializer"), o.value("gamma_initializer"))
            layer = LayerNormalization(
                axis: axis, epsilon: try o.float("epsilon", default: 1e-3), center: try o.bool("center", default: true),
                scale: try o.bool("scale", default: true), name: name)
        case "BatchNormalization":
            let axis = try normalizationAxis(&o, inputShape: inputShape)
            try o.require("synchronized", in: [.bool(false)], "false")
            try o.require("renorm", in: [.bool(false)], "false")
            try o.requireNull("renorm_clipping", "virtual_batch_size", "adjustment")
            try o.requireNull("beta_regularizer", "gamma_regularizer", "beta_constraint", "gamma_constraint")
            for key in [
                "renorm_momentum", "fused", "beta_initializer", "gamma_initializer", "moving_mean_initializer",
                "moving_variance_initializer",
            ] {
                _ = o.value(key)
            }
            layer = BatchNormalization(
                axis: axis, momentum: try o.float("momentum", default: 0.99),
                epsilon: try o.float("epsilon", default: 1e-3), center: try o.bool("center", default: true),
                scale: try o.bool("scale", default: true), name: name)
        case "TimeDistributed":
            guard inputShape.count >= 2 else {
                throw o.invalid("layer", "TimeDistributed needs an input with a time axis, received \(inputShape)")
            }
            guard let inner = o.value("layer") else { throw o.invalid("layer", "expected the wrapped layer") }
            let wrapped = try self.layer(
                inner, parent: path, inputShape: Array(inputShape.dropFirst()), dialect: dialect, depth: depth + 1)
            layer = TimeDistributed(wrapped.layer, name: name)
        case "Bidirectional":
            layer = try bidirectional(&o, path: path, name: name, inputShape: inputShape, depth: depth + 1)
        case "InputLayer":
            throw o.invalid("class_name", "an InputLayer may only come first")
        default:
            throw KerasError.unsupportedLayer(layer: path, className: className)
        }
        try o.finish()
        return Translated(layer: layer, trainable: trainable)
    }

    private static func channelsLast(_ o: inout KerasOptions) throws {
        try o.require("data_format", in: [.null, .string("channels_last")], "\"channels_last\"")
    }

    private static func padding(_ o: inout KerasOptions, allowed: [Padding]) throws -> Padding {
        let given = o.value("padding")
        guard let given else { return .valid }
        guard case let .string(text) = given, let padding = Padding(rawValue: text.lowercased()),
            allowed.contains(padding)
        else {
            throw o.unsupported("padding", given, allowed.map { "\"\($0.rawValue)\"" }.joined(separator: ", "))
        }
        return padding
    }

    /// The recurrent options shared by LSTM, GRU and SimpleRNN, then the layer.
    private static func recurrent(_ className: String, _ o: inout KerasOptions, name: String) throws -> any Layer {
        try o.require("return_state", in: [.bool(false)], "false")
        try o.require("stateful", in: [.bool(false)], "false")
        try o.require("unroll", in: [.bool(false)], "false")
        try o.require("time_major", in: [.bool(false)], "false")
        // Only masked inputs are affected, and no layer of the library makes masks (Keras 3's
        // Bidirectional sets it on the layers it wraps).
        try o.require("zero_output_for_mask", in: [.bool(false), .bool(true)], "true or false")
        try o.require("dropout", in: [.number(0)], "0 (the library's recurrent layers have no dropout)")
        try o.require("recurrent_dropout", in: [.number(0)], "0 (the library's recurrent layers have no dropout)")
        try o.requireNull("kernel_regularizer", "recurrent_regularizer", "bias_regularizer", "activity_regularizer")
        try o.requireNull("kernel_constraint", "recurrent_constraint", "bias_constraint")
        _ = o.value("implementation")  // 1 or 2: the same math, another order of products
        let units = try o.int("units")
        let activation = try o.activation("activation", default: .tanh)
        let useBias = try o.bool("use_bias", default: true)
        let returnSequences = try o.bool("return_sequences", default: false)
        let goBackwards = try o.bool("go_backwards", default: false)
        let kernel = o.initializer("kernel_initializer", default: .glorotUniform)
        let recurrentKernel = o.initializer("recurrent_initializer", default: .orthogonal)
        let bias = o.initializer("bias_initializer", default: .zeros)
        switch className {
        case "LSTM":
            return LSTM(
                units: units, activation: activation,
                recurrentActivation: try o.activation("recurrent_activation", default: .sigmoid),
                returnSequences: returnSequences, goBackwards: goBackwards, useBias: useBias,
                unitForgetBias: try o.bool("unit_forget_bias", default: true), kernelInitializer: kernel,
                recurrentInitializer: recurrentKernel, biasInitializer: bias, name: name)
        case "GRU":
            return GRU(
                units: units, activation: activation,
                recurrentActivation: try o.activation("recurrent_activation", default: .sigmoid), useBias: useBias,
                returnSequences: returnSequences, goBackwards: goBackwards,
                resetAfter: try o.bool("reset_after", default: o.dialect == .keras3),
                kernelInitializer: kernel, recurrentInitializer: recurrentKernel, biasInitializer: bias, name: name)
        default:
            return SimpleRNN(
                configuration: .init(
                    units: units, activation: activation, useBias: useBias, returnSequences: returnSequences,
                    goBackwards: goBackwards, kernelInitializer: kernel, recurrentInitializer: recurrentKernel,
                    biasInitializer: bias, name: name))
        }
    }

    private static func convolution(_ className: String, _ o: inout KerasOptions, name: String) throws -> any Layer {
        try channelsLast(&o)
        try o.require("groups", in: [.number(1)], "1")
        try o.requireNull("kernel_regularizer", "bias_regularizer", "activity_regularizer")
        try o.requireNull("kernel_constraint", "bias_constraint", "lora_rank")
        _ = o.value("lora_alpha")
        let rank = className == "Conv1D" ? 1 : 2
        let filters = try o.int("filters")
        let kernelSize = try o.ints("kernel_size", count: rank)
        let strides = try o.ints("strides", count: rank, default: Array(repeating: 1, count: rank))
        let activation = try o.activation("activation", default: .linear)
        let useBias = try o.bool("use_bias", default: true)
        let kernel = o.initializer("kernel_initializer", default: .glorotUniform)
        let bias = o.initializer("bias_initializer", default: .zeros)
        switch className {
        case "Conv1D":
            let padding = try self.padding(&o, allowed: [.valid, .same, .causal])
            let dilation = try o.ints("dilation_rate", count: 1, default: [1])
            return Conv1D(
                configuration: .init(
                    filters: filters, kernelSize: kernelSize[0], strides: strides[0], padding: padding,
                    dilationRate: dilation[0], activation: activation, useBias: useBias, kernelInitializer: kernel,
                    biasInitializer: bias, name: name))
        case "Conv2D":
            let padding = try self.padding(&o, allowed: [.valid, .same])
            let dilation = try o.ints("dilation_rate", count: 2, default: [1, 1])
            return Conv2D(
                configuration: .init(
                    filters: filters, kernelSize: kernelSize, strides: strides, padding: padding,
                    dilationRate: dilation, activation: activation, useBias: useBias, kernelInitializer: kernel,
                    biasInitializer: bias, name: name))
        default:
            let padding = try self.padding(&o, allowed: [.valid, .same])
            // Keras 3 dilates a Conv2DTranspose (with strides 1); the library's does not.
            try o.require(
                "dilation_rate", in: [.number(1), .array([.number(1), .number(1)])],
                "[1, 1] (the library's Conv2DTranspose has no dilation_rate)")
            let outputPadding: [Int]? =
                switch o.members["output_padding"] {
                case nil, .null?: nil
                default: try o.ints("output_padding", count: 2)
                }
            _ = o.value("output_padding")
            return Conv2DTranspose(
                configuration: .init(
                    filters: filters, kernelSize: kernelSize, strides: strides, padding: padding,
                    outputPadding: outputPadding, activation: activation, useBias: useBias, kernelInitializer: kernel,
                    biasInitializer: bias, name: name))
        }
    }

    /// `axis` of a normalization layer: the last axis only, written `-1`, `[-1]` or its positive
    /// index counted with the batch axis (`[2]` for `[batch, steps, features]`).
    private static func normalizationAxis(_ o: inout KerasOptions, inputShape: [Int]) throws -> Int {
        let given = o.value("axis")
        var axis: Int?
        switch given {
        case nil: axis = -1
        case let .number(number)?: axis = Int(exactly: number)
        case let .array(elements)? where elements.count == 1:
            if case let .number(number) = elements[0] { axis = Int(exactly: number) }
        default: break
        }
        guard let axis, axis == -1 || axis == inputShape.count else {
            throw o.unsupported("axis", given, "the last axis (-1 or \(inputShape.count))")
        }
        return -1
    }

    private static func bidirectional(
        _ o: inout KerasOptions, path: String, name: String, inputShape: [Int], depth: Int
    ) throws -> any Layer {
        let modeValue = o.value("merge_mode")
        let mergeMode: Bidirectional.MergeMode
        switch modeValue {
        case nil: mergeMode = .concat
        case let .string(text)?:
            guard let mode = Bidirectional.MergeMode(rawValue: text) else {
                throw o.unsupported("merge_mode", modeValue, "\"concat\", \"sum\", \"mul\", \"ave\"")
            }
            mergeMode = mode
        default: throw o.unsupported("merge_mode", modeValue, "\"concat\", \"sum\", \"mul\", \"ave\"")
        }
        guard let inner = o.value("layer") else { throw o.invalid("layer", "expected the wrapped layer") }
        let (className, _, _) = try parts(inner, parent: path)
        guard ["LSTM", "GRU", "SimpleRNN"].contains(className) else {
            throw o.unsupported("layer", inner, "LSTM, GRU or SimpleRNN")
        }
        let forward = try layer(inner, parent: path, inputShape: inputShape, dialect: o.dialect, depth: depth).layer
        if case let .object(config) = LayerRegistry.describe(forward).config, config["goBackwards"] == .bool(true) {
            throw o.unsupported("layer.go_backwards", .bool(true), "false")
        }
        // Keras 3 stores the backward layer too: it must be the forward one with go_backwards, as
        // Keras builds it by default (the library's backward layer is always that copy).
        if let backward = o.value("backward_layer"), backward != .null {
            let (backwardClass, _, _) = try parts(backward, parent: path)
            let copy = try layer(backward, parent: path, inputShape: inputShape, dialect: o.dialect, depth: depth).layer
            func arguments(_ layer: any Layer) -> JSONValue {
                guard case var .object(members) = LayerRegistry.describe(layer).config else { return .null }
                members["name"] = nil
                members["goBackwards"] = nil
                return .object(members)
            }
            let reversed: Bool =
                if case let .object(config) = LayerRegistry.describe(copy).config,
                    config["goBackwards"] == .bool(true)
                { true } else { false }
            guard backwardClass == className, reversed, arguments(copy) == arguments(forward) else {
                throw o.unsupported(
                    "backward_layer", backward, "the forward layer's copy with go_backwards = true (Keras' default)")
            }
        }
        return Bidirectional(forward, mergeMode: mergeMode, name: name)
    }
}
