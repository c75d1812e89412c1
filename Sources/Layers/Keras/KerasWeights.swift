import Tensor

extension Sequential {
    /// Every layer's weights in Keras' order: one list per layer of the model (Keras'
    /// `[layer.get_weights() for layer in model.layers]`, the `InputLayer` not counted), empty for a
    /// layer without weights.
    ///
    /// The order inside a layer is Keras': `kernel, bias` (Dense, Conv1D, Conv2D, Conv2DTranspose);
    /// `kernel, recurrent_kernel, bias` (LSTM, GRU with bias `[2, 3·units]` when `reset_after`,
    /// SimpleRNN); `gamma, beta, moving_mean, moving_variance` (BatchNormalization; `gamma, beta` for
    /// LayerNormalization), each only when the layer has it; the inner layer's for TimeDistributed; the
    /// forward layer's then the backward layer's for Bidirectional; a nested model's layers' weights
    /// in order, flattened. Shapes are Keras' too. This is also the order of the `vars/0…n` datasets of
    /// a Keras 3 `.weights.h5` layer group and of a legacy `.h5` file's `weight_names`.
    /// The flat concatenation is Keras' `model.get_weights()`, which ``weights()`` returns.
    public func kerasWeights() -> [[Tensor]] {
        layers.map { $0.parameters.map(\.value) }
    }

    /// Replaces every weight with Keras' values, given per layer in Keras' order (see
    /// ``kerasWeights()``): one list per layer of the model, or one per layer that has weights
    /// (what a weights file holds when it skips the others).
    ///
    /// ```swift
    /// // Python: [[w.tolist() for w in layer.get_weights()] for layer in model.layers]
    /// try model.setKerasWeights(perLayer)
    /// ```
    ///
    /// Everything is checked before any weight changes.
    /// - Throws: ``KerasError/layerCountMismatch(expected:found:)``,
    ///   ``KerasError/weightCountMismatch(layer:expected:found:)`` and
    ///   ``KerasError/weightShapeMismatch(layer:weight:expected:found:)`` naming the layer and weight.
    public func setKerasWeights(_ weights: [[Tensor]]) throws {
        let targets: [any Layer]
        if weights.count == layers.count {
            targets = layers
        } else {
            let weighted = layers.filter { !$0.parameters.isEmpty }
            guard weights.count == weighted.count else {
                throw KerasError.layerCountMismatch(expected: layers.count, found: weights.count)
            }
            targets = weighted
        }
        var assignments: [(Parameter, Tensor)] = []
        for (layer, values) in zip(targets, weights) {
            let named = layer.namedParameters
            guard named.count == values.count else {
                throw KerasError.weightCountMismatch(layer: layer.name, expected: named.count, found: values.count)
            }
            for ((path, parameter), value) in zip(named, values) {
                guard value.shape == parameter.value.shape else {
                    throw KerasError.weightShapeMismatch(
                        layer: layer.name, weight: path, expected: parameter.value.shape, found: value.shape)
                }
                assignments.append((parameter, value))
            }
        }
        for (parameter, value) in assignments { parameter.value = value }
    }
}

extension Sequential {
    /// Where Keras 3 stores each weight of ``kerasWeights()`` in a `.weights.h5` file (and in the
    /// `model.weights.h5` of a `.keras` archive): the same lists, holding dataset paths instead of
    /// tensors, e.g. `layers/lstm/cell/vars/0` (kernel), `layers/dense_1/vars/1` (bias),
    /// `layers/time_distributed/layer/vars/0`, `layers/bidirectional/forward_layer/cell/vars/2`,
    /// `layers/sequential/layers/dense/vars/0` (a nested model).
    ///
    /// Keras names the groups after the class and a counter within each list of layers (`dense`,
    /// `dense_1`, …; a nested model is `sequential` whatever its name), not after the layers' names,
    /// so the paths follow from the architecture alone.
    public func kerasWeightPaths() -> [[String]] {
        KerasWeightPaths.paths(of: layers, prefix: "layers/")
    }
}

/// The dataset paths of Keras 3's weights files (`saving_lib`'s layout).
enum KerasWeightPaths {
    /// One list per layer: a container's `prefix + <class>[_<n>]` groups.
    static func paths(of layers: [any Layer], prefix: String) -> [[String]] {
        var used: [String: Int] = [:]
        return layers.map { layer in
            var group = snakeCase(layer.typeName)
            if let count = used[group] {
                used[group] = count + 1
                group += "_\(count)"
            } else {
                used[group] = 1
            }
            return paths(of: layer, group: prefix + group)
        }
    }

    /// The paths of one layer's weights, in Keras' order, inside its group.
    static func paths(of layer: any Layer, group: String) -> [String] {
        switch layer {
        case let model as Sequential:
            return paths(of: model.layers, prefix: group + "/layers/").flatMap { $0 }
        case let wrapper as TimeDistributed:
            return paths(of: wrapper.layer, group: group + "/layer")
        case let wrapper as Bidirectional:
            return paths(of: wrapper.forwardLayer, group: group + "/forward_layer")
                + (wrapper.backwardLayer.map { paths(of: $0, group: group + "/backward_layer") } ?? [])
        case is LSTM, is GRU, is SimpleRNN:
            return layer.parameters.indices.map { "\(group)/cell/vars/\($0)" }
        default:
            return layer.parameters.indices.map { "\(group)/vars/\($0)" }
        }
    }
}
