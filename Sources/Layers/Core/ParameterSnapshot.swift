import Tensor

/// The values of a model's non-trainable weights (state that `forward` updates in training mode,
/// such as BatchNormalization's moving statistics), kept to put them back: after a gradient check,
/// `gradients(_:_:)`, or a training step that fails.
struct ParameterSnapshot {
    /// Each non-trainable parameter with its value when the snapshot was taken (copy-on-write, so
    /// taking it copies nothing).
    private let entries: [(parameter: Parameter, value: Tensor)]

    /// Records the values of the non-trainable parameters among `parameters`.
    init(nonTrainableOf parameters: [Parameter]) {
        entries = parameters.filter { !$0.isTrainable }.map { ($0, $0.value) }
    }

    /// Puts every recorded value back.
    func restore() {
        for (parameter, value) in entries { parameter.value = value }
    }

    /// The first recorded parameter whose current value holds NaN or infinity.
    var firstNonFinite: Parameter? {
        entries.first { !$0.parameter.value.allFinite }?.parameter
    }
}
