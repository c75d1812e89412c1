import Tensor

extension Sequential {
    /// The model as a Keras 3 `config.json`: what `keras.saving.deserialize_keras_object` (and
    /// `keras.models.model_from_json` on its text) turns into the same `Sequential` model, with an
    /// `InputLayer` of the model's input shape. Put the weights of ``kerasWeights()`` into it, in
    /// order, to get the same predictions.
    ///
    /// ```swift
    /// let json = try model.kerasConfiguration()
    /// let text = try JSONEncoder().encode(json)   // Python: keras.models.model_from_json(text)
    /// ```
    ///
    /// Layer names, hyperparameters, initializers and activity regularizers are kept; a layer whose
    /// weights are all non-trainable is written `trainable: false`.
    /// - Throws: ``KerasError/notExpressible(layer:option:reason:)`` for a layer Keras 3 has no
    ///   counterpart of (a user-defined layer) or an option it cannot express (Keras 2's
    ///   `hard_sigmoid`, which Keras 3 redefined).
    public func kerasConfiguration() throws -> JSONValue {
        var inputCount = 0
        return try kerasModel(path: "", inputCount: &inputCount, topLevel: true)
    }

    fileprivate func kerasModel(path: String, inputCount: inout Int, topLevel: Bool) throws -> JSONValue {
        let inputName = inputCount == 0 ? "input_layer" : "input_layer_\(inputCount)"
        inputCount += 1
        var layerList: [JSONValue] = [
            .object([
                "module": .string("keras.layers"), "class_name": .string("InputLayer"),
                "config": .object([
                    "batch_shape": KerasWriter.batchShape(inputShape), "dtype": .string("float32"),
                    "sparse": .bool(false), "ragged": .bool(false), "name": .string(inputName),
                ]),
                "registered_name": .null,
            ])
        ]
        var shape = inputShape
        for layer in layers {
            let layerPath = path.isEmpty ? layer.name : path + "/" + layer.name
            layerList.append(try KerasWriter.layer(layer, path: layerPath, inputShape: shape, inputCount: &inputCount))
            shape = try layer.outputShape(for: shape)
        }
        var object: [String: JSONValue] = [
            "module": .string("keras"), "class_name": .string("Sequential"),
            "config": .object([
                "name": .string(name.isEmpty ? "sequential" : name), "trainable": .bool(true),
                "dtype": KerasWriter.dtype, "layers": .array(layerList),
                "build_input_shape": KerasWriter.batchShape(inputShape),
            ]),
            "registered_name": .null,
            "build_config": .object(["input_shape": KerasWriter.batchShape(inputShape)]),
        ]
        if topLevel { object["compile_config"] = .null }
        return .object(object)
    }
}

/// Writes single layers as Keras 3 layer objects.
enum KerasWriter {
    static let dtype: JSONValue = .object([
        "module": .string("keras"), "class_name": .string("DTypePolicy"),
        "config": .object(["name": .string("float32")]), "registered_name": .null,
    ])

    static func batchShape(_ shape: [Int]) -> JSONValue { .array([.null] + shape.map { .number(Double($0)) }) }

    static func ints(_ values: [Int]) -> JSONValue { .array(values.map { .number(Double($0)) }) }

    static func int(_ value: Int) -> JSONValue { .number(Double(value)) }

    /// A Float as the shortest decimal that reads back as it (`0.99`, not `0.9900000095367432`).
    static func float(_ value: Float) -> JSONValue { .number(Double("\(value)") ?? Double(value)) }

    static func activation(_ activation: Activation, path: String, option: String) throws -> JSONValue {
        switch activation {
        case .linear, .relu, .tanh, .sigmoid, .softmax: return .string(activation.rawValue)
        case .hardSigmoid:
            throw KerasError.notExpressible(
                layer: path, option: option,
                reason:
                    "Keras 2's hard_sigmoid clip(0.2·x + 0.5, 0, 1); Keras 3's hard_sigmoid is clip(x/6 + 0.5, 0, 1)")
        }
    }

    static func initializer(_ initializer: Initializer) -> JSONValue {
        let (className, config): (String, [String: JSONValue]) =
            switch initializer {
            case .glorotUniform: ("GlorotUniform", ["seed": .null])
            case .orthogonal: ("Orthogonal", ["seed": .null, "gain": .number(1)])
            case .zeros: ("Zeros", [:])
            case .ones: ("Ones", [:])
            case .randomUniform: ("RandomUniform", ["seed": .null, "minval": .number(-0.05), "maxval": .number(0.05)])
            case .randomNormal: ("RandomNormal", ["seed": .null, "mean": .number(0), "stddev": .number(0.05)])
            case .heUniform: ("HeUniform", ["seed": .null])
            }
        return .object([
            "module": .string("keras.initializers"), "class_name": .string(className), "config": .object(config),
            "registered_name": .null,
        ])
    }

    static func regularizer(_ regularizer: Regularizer?) -> JSONValue {
        guard let regularizer else { return .null }
        let (className, config): (String, [String: JSONValue]) =
            switch regularizer {
            case let .l1(value): ("L1", ["l1": float(value)])
            case let .l2(value): ("L2", ["l2": float(value)])
            case let .l1l2(l1, l2): ("L1L2", ["l1": float(l1), "l2": float(l2)])
            }
        return .object([
            "module": .string("keras.regularizers"), "class_name": .string(className), "config": .object(config),
            "registered_name": .null,
        ])
    }

    /// `{"module": "keras.layers", "class_name": …, "config": {…}, "build_config": …}` for a layer
    /// taking inputs of `inputShape`.
    static func layer(_ layer: any Layer, path: String, inputShape: [Int], inputCount: inout Int) throws -> JSONValue {
        var trainable = layer.parameters.isEmpty || layer.parameters.contains { $0.isTrainable }
        var config: [String: JSONValue]
        let className: String
        switch layer {
        case let model as Sequential:
            guard case var .object(object) = try model.kerasModel(path: path, inputCount: &inputCount, topLevel: false),
                case var .object(modelConfig)? = object["config"]
            else { return .null }
            modelConfig["trainable"] = .bool(trainable)
            object["config"] = .object(modelConfig)
            return .object(object)
        case let dense as Dense:
            className = "Dense"
            config = [
                "units": int(dense.units),
                "activation": try activation(dense.activation, path: path, option: "activation"),
                "use_bias": .bool(dense.useBias), "kernel_initializer": initializer(dense.kernelInitializer),
                "bias_initializer": initializer(dense.biasInitializer),
                "activity_regularizer": regularizer(dense.activityRegularizer),
            ]
        case let lstm as LSTM:
            className = "LSTM"
            config = recurrent(
                units: lstm.units, useBias: lstm.useBias, returnSequences: lstm.returnSequences,
                goBackwards: lstm.goBackwards, kernel: lstm.kernelInitializer,
                recurrentKernel: lstm.recurrentInitializer,
                bias: lstm.biasInitializer)
            config["activation"] = try activation(lstm.activation, path: path, option: "activation")
            config["recurrent_activation"] = try activation(
                lstm.recurrentActivation, path: path, option: "recurrent_activation")
            config["unit_forget_bias"] = .bool(lstm.unitForgetBias)
        case let gru as GRU:
            className = "GRU"
            config = recurrent(
                units: gru.units, useBias: gru.useBias, returnSequences: gru.returnSequences,
                goBackwards: gru.goBackwards, kernel: gru.kernelInitializer, recurrentKernel: gru.recurrentInitializer,
                bias: gru.biasInitializer)
            config["activation"] = try activation(gru.activation, path: path, option: "activation")
            config["recurrent_activation"] = try activation(
                gru.recurrentActivation, path: path, option: "recurrent_activation")
            config["reset_after"] = .bool(gru.resetAfter)
        case let rnn as SimpleRNN:
            className = "SimpleRNN"
            config = recurrent(
                units: rnn.units, useBias: rnn.useBias, returnSequences: rnn.returnSequences,
                goBackwards: rnn.goBackwards, kernel: rnn.kernelInitializer, recurrentKernel: rnn.recurrentInitializer,
                bias: rnn.biasInitializer)
            config["activation"] = try activation(rnn.activation, path: path, option: "activation")
        case let conv as Conv1D:
            className = "Conv1D"
            config = convolution(
                filters: conv.filters, kernelSize: [conv.kernelSize], strides: [conv.strides], padding: conv.padding,
                useBias: conv.useBias, kernel: conv.kernelInitializer, bias: conv.biasInitializer)
            config["dilation_rate"] = ints([conv.dilationRate])
            config["activation"] = try activation(conv.activation, path: path, option: "activation")
        case let conv as Conv2D:
            className = "Conv2D"
            config = convolution(
                filters: conv.filters, kernelSize: conv.kernelSize, strides: conv.strides, padding: conv.padding,
                useBias: conv.useBias, kernel: conv.kernelInitializer, bias: conv.biasInitializer)
            config["dilation_rate"] = ints(conv.dilationRate)
            config["activation"] = try activation(conv.activation, path: path, option: "activation")
        case let conv as Conv2DTranspose:
            className = "Conv2DTranspose"
            config = convolution(
                filters: conv.filters, kernelSize: conv.kernelSize, strides: conv.strides, padding: conv.padding,
                useBias: conv.useBias, kernel: conv.kernelInitializer, bias: conv.biasInitializer)
            config["dilation_rate"] = ints([1, 1])
            config["output_padding"] = conv.outputPadding.map(ints) ?? .null
            config["groups"] = nil  // Keras 3's Conv2DTranspose has no groups argument
            config["activation"] = try activation(conv.activation, path: path, option: "activation")
        case let pool as MaxPooling1D:
            className = "MaxPooling1D"
            config = [
                "pool_size": ints([pool.poolSize]), "strides": ints([pool.strides]),
                "padding": .string(pool.padding.rawValue), "data_format": .string("channels_last"),
            ]
        case let pool as MaxPooling2D:
            className = "MaxPooling2D"
            config = [
                "pool_size": ints(pool.poolSize), "strides": ints(pool.strides),
                "padding": .string(pool.padding.rawValue), "data_format": .string("channels_last"),
            ]
        case let upsampling as UpSampling1D:
            className = "UpSampling1D"
            config = ["size": int(upsampling.size)]
        case let upsampling as UpSampling2D:
            className = "UpSampling2D"
            config = [
                "size": ints(upsampling.size), "data_format": .string("channels_last"),
                "interpolation": .string("nearest"),
            ]
        case let pool as GlobalAveragePooling1D:
            className = "GlobalAveragePooling1D"
            config = ["data_format": .string("channels_last"), "keepdims": .bool(pool.keepDims)]
        case is Flatten:
            className = "Flatten"
            config = ["data_format": .string("channels_last")]
        case let reshape as Reshape:
            className = "Reshape"
            config = ["target_shape": ints(reshape.targetShape)]
        case let repeated as RepeatVector:
            className = "RepeatVector"
            config = ["n": int(repeated.count)]
        case let dropout as Dropout:
            className = "Dropout"
            config = ["rate": float(dropout.rate), "noise_shape": .null, "seed": .null]
        case let noise as GaussianNoise:
            className = "GaussianNoise"
            config = ["stddev": float(noise.stddev), "seed": .null]
        case let normalization as LayerNormalization:
            className = "LayerNormalization"
            config = [
                "axis": .array([int(-1)]), "epsilon": float(normalization.epsilon),
                "center": .bool(normalization.center), "scale": .bool(normalization.scale),
                "rms_scaling": .bool(false),
            ]
        case let normalization as BatchNormalization:
            className = "BatchNormalization"
            let learned = [normalization.gamma, normalization.beta].compactMap { $0 }
            trainable = learned.isEmpty || learned.contains { $0.isTrainable }
            config = [
                "axis": int(-1), "momentum": float(normalization.momentum), "epsilon": float(normalization.epsilon),
                "center": .bool(normalization.center), "scale": .bool(normalization.scale),
            ]
        case let wrapper as TimeDistributed:
            className = "TimeDistributed"
            config = [
                "layer": try self.layer(
                    wrapper.layer, path: path + "/" + wrapper.layer.name, inputShape: Array(inputShape.dropFirst()),
                    inputCount: &inputCount)
            ]
        case let wrapper as Bidirectional:
            className = "Bidirectional"
            let forward = try self.layer(
                wrapper.forwardLayer, path: path + "/" + wrapper.forwardLayer.name, inputShape: inputShape,
                inputCount: &inputCount)
            config = ["layer": forward, "merge_mode": .string(wrapper.mergeMode.rawValue)]
            if let backward = wrapper.backwardLayer {
                config["backward_layer"] = try self.layer(
                    backward, path: path + "/" + backward.name, inputShape: inputShape, inputCount: &inputCount)
                // The library's backward layer runs on the reversed input; Keras' runs with go_backwards.
                if case var .object(object) = config["backward_layer"]!, case var .object(inner)? = object["config"] {
                    inner["go_backwards"] = .bool(true)
                    object["config"] = .object(inner)
                    config["backward_layer"] = .object(object)
                }
            }
        default:
            throw KerasError.notExpressible(
                layer: path, option: "class", reason: "'\(layer.typeName)' is not a Keras layer the library knows")
        }
        config["name"] = .string(layer.name)
        config["trainable"] = .bool(trainable)
        config["dtype"] = dtype
        return .object([
            "module": .string("keras.layers"), "class_name": .string(className), "config": .object(config),
            "registered_name": .null, "build_config": .object(["input_shape": batchShape(inputShape)]),
        ])
    }

    private static func recurrent(
        units: Int, useBias: Bool, returnSequences: Bool, goBackwards: Bool, kernel: Initializer,
        recurrentKernel: Initializer, bias: Initializer
    ) -> [String: JSONValue] {
        [
            "units": int(units), "use_bias": .bool(useBias), "return_sequences": .bool(returnSequences),
            "return_state": .bool(false), "go_backwards": .bool(goBackwards), "stateful": .bool(false),
            "unroll": .bool(false), "kernel_initializer": initializer(kernel),
            "recurrent_initializer": initializer(recurrentKernel), "bias_initializer": initializer(bias),
            "dropout": .number(0), "recurrent_dropout": .number(0),
        ]
    }

    private static func convolution(
        filters: Int, kernelSize: [Int], strides: [Int], padding: Padding, useBias: Bool, kernel: Initializer,
        bias: Initializer
    ) -> [String: JSONValue] {
        [
            "filters": int(filters), "kernel_size": ints(kernelSize), "strides": ints(strides),
            "padding": .string(padding.rawValue), "data_format": .string("channels_last"), "groups": int(1),
            "use_bias": .bool(useBias), "kernel_initializer": initializer(kernel),
            "bias_initializer": initializer(bias),
        ]
    }
}
