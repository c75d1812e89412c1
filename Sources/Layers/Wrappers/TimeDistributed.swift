import Tensor

/// Applies a layer to every time step of a sequence with the same weights.
///
/// Input `[batch, timesteps, …]` → output `[batch, timesteps, …]`: the batch and time axes are
/// folded into one, the wrapped layer runs once on `[batch · timesteps, …]`, and the result is
/// unfolded. Keras: `TimeDistributed(layer)`; the parameter count is the wrapped layer's.
///
/// As in Keras 3, the wrapped layer's own activity regularizer adds no penalty: Keras 3 runs the
/// wrapped layer's `call()`, which skips it (Keras 2 added it). `TimeDistributed(Dense(units: 8,
/// activityRegularizer: .l1(1e-3)))` trains on the plain loss; the regularizer stays in the
/// configuration, as in Keras. Layers inside a wrapped model do add their penalties, divided by the
/// batch size (Keras 3 adds them once per time step), not by batch · timesteps.
///
/// A ``BatchNormalization`` inside (directly or in a wrapped model) is refused with a typed error:
/// Keras 3 normalizes each time step with that step's own batch statistics (and updates the moving
/// statistics once per step), which folding the time axis into the batch would silently change. Apply
/// `BatchNormalization` to the sequence itself instead (statistics over the batch and time axes).
///
///     TimeDistributed(Dense(units: 59))   // [batch, 5, 32] → [batch, 5, 59]
public final class TimeDistributed: Layer {
    /// TimeDistributed's arguments: the wrapped layer's description and the name.
    public struct Configuration: LayerConfiguration {
        /// The wrapped layer's description.
        public var layer: LayerDescription
        /// The layer name (unique in a model).
        public var name: String
    }

    /// The name under which the layer is saved and registered.
    public static let typeName = "TimeDistributed"
    /// The layer applied at every time step.
    public let layer: any Layer
    /// The layer name (unique in a model).
    public var name: String
    /// The wrapper's name and the inner layer's description, which the inner layer keeps.
    public var configuration: Configuration {
        get { Configuration(layer: LayerRegistry.describe(layer), name: name) }
        set { name = newValue.name }
    }
    private var steps = 0
    /// The time steps enclosing wrappers folded into the batch before this one folds its own (set
    /// during their `forward`).
    var foldedTimeSteps = 1

    /// Wraps `layer`, switching off its own activity regularizer (Keras 3).
    public init(_ layer: any Layer, name: String = "") {
        self.layer = layer
        self.name = name
        (layer as? any ActivityRegularizing)?.appliesActivityRegularizer = false
    }

    /// Recreates the wrapper and its inner layer; the inner type must be registered.
    public convenience init(configuration: Configuration) throws {
        // While loading, a model wrapped here keys its weights under the wrapper's name.
        let layer = try WeightLoadingScope.with(
            prefix: { $0.transparent ? $0.prefix ?? "" : ($0.prefix ?? "") + configuration.name + "/" },
            transparent: true, nesting: true, layer: Self.typeName
        ) {
            try makeWrappedLayer(from: configuration.layer)
        }
        self.init(layer, name: configuration.name)
    }

    public var parameters: [Parameter] { layer.parameters }
    public var namedParameters: [(path: String, parameter: Parameter)] { layer.namedParameters }
    public var regularizationLoss: Float { layer.regularizationLoss }

    /// The output shape: the time axis, then the wrapped layer's output shape for one step.
    /// - Throws: ``LayerError/incompatibleInput(layer:expected:received:)`` for an input without a time
    ///   axis; ``LayerError/invalidArgument(layer:argument:value:expected:)`` when the wrapped layer is
    ///   or holds a ``BatchNormalization``; the wrapped layer's errors.
    public func outputShape(for inputShape: [Int]) throws -> [Int] {
        if let normalization = Self.batchNormalization(in: layer) {
            throw LayerError.invalidArgument(
                layer: name, argument: "layer", value: "BatchNormalization '\(normalization.name)'",
                expected:
                    "a layer without BatchNormalization (Keras 3 normalizes each time step with its own batch "
                    + "statistics, which TimeDistributed does not support; apply BatchNormalization to the sequence)")
        }
        guard inputShape.count >= 2 else {
            throw LayerError.incompatibleInput(layer: name, expected: "[timesteps, …]", received: inputShape)
        }
        return [inputShape[0]] + (try layer.outputShape(for: Array(inputShape.dropFirst())))
    }

    /// Tells the activity-regularized layers in `layer` (through nested models; a nested wrapper
    /// passes it on) how many time steps are folded into their batch.
    private static func fold(_ timeSteps: Int, into layer: any Layer) {
        switch layer {
        case let model as Sequential: for inner in model.layers { fold(timeSteps, into: inner) }
        case let wrapper as TimeDistributed: wrapper.foldedTimeSteps = timeSteps
        case let regularized as any ActivityRegularizing: regularized.foldedTimeSteps = timeSteps
        default: break
        }
    }

    /// The first BatchNormalization that `layer` is or holds (through nested models and wrappers).
    private static func batchNormalization(in layer: any Layer) -> BatchNormalization? {
        switch layer {
        case let normalization as BatchNormalization: normalization
        case let model as Sequential: model.layers.lazy.compactMap(batchNormalization(in:)).first
        case let wrapper as TimeDistributed: batchNormalization(in: wrapper.layer)
        default: nil
        }
    }

    public func build<G: RandomNumberGenerator>(inputShape: [Int], using generator: inout G) throws {
        _ = try outputShape(for: inputShape)
        if layer.name.isEmpty { layer.name = snakeCase(layer.typeName) }
        try layer.build(inputShape: Array(inputShape.dropFirst()), using: &generator)
    }

    public func forward(_ input: Tensor, training: Bool) throws -> Tensor {
        guard input.rank >= 3 else {
            throw LayerError.incompatibleInput(
                layer: name, expected: "[timesteps, …]", received: Array(input.shape.dropFirst()))
        }
        steps = input.shape[1]
        // Set only for this call, so that a wrapped model used on its own later penalizes normally.
        Self.fold(foldedTimeSteps * steps, into: layer)
        defer { Self.fold(1, into: layer) }
        let folded = input.reshaped(to: [input.shape[0] * steps] + Array(input.shape.dropFirst(2)))
        let output = try layer.forward(folded, training: training)
        return output.reshaped(to: [input.shape[0], steps] + Array(output.shape.dropFirst()))
    }

    public func backward(_ outputGradient: Tensor) throws -> Tensor {
        let batch = outputGradient.shape[0]
        let folded = outputGradient.reshaped(to: [batch * steps] + Array(outputGradient.shape.dropFirst(2)))
        let inputGradient = try layer.backward(folded)
        return inputGradient.reshaped(to: [batch, steps] + Array(inputGradient.shape.dropFirst()))
    }
}
