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
