import Tensor

/// Runs a recurrent layer over a sequence in both directions and merges the two results.
///
/// The forward layer is the layer given; the backward layer is a copy of its configuration with
/// its own weights, run on the input reversed in time (Keras builds it with `go_backwards=True`).
/// With `returnSequences`, the backward layer's output sequence is reversed back, so that step `t`
/// of both outputs belongs to input step `t`, before the two are merged. Keras:
/// `Bidirectional(layer, merge_mode="concat")`.
///
///     Bidirectional(LSTM(units: 16, returnSequences: true))   // [batch, 8, 59] → [batch, 8, 32]
///     Bidirectional(LSTM(units: 8), mergeMode: .sum)          // [batch, 8, 32] → [batch, 8]
///
/// Any layer taking `[batch, timesteps, features]` whose configuration has a Boolean
/// `returnSequences` can be wrapped (``LSTM``; Keras requires a recurrent layer as well); its
/// type must be registered in ``LayerRegistry``, which makes the backward copy.
///
/// Weights: the forward layer's, then the backward layer's, keyed `forward_<layer>/…` and
/// `backward_<layer>/…` inside the wrapper (`bidirectional/forward_lstm/kernel`, as Keras 3 names
/// them without its `lstm_cell/` level); the parameter count is twice the wrapped layer's.
public final class Bidirectional: Layer {
    /// How the forward and backward outputs are combined (Keras' `merge_mode`).
    public enum MergeMode: String, Codable, Sendable, CaseIterable {
        /// Joined along the last axis, forward first: twice the wrapped layer's units (the default).
        case concat
        /// Added elementwise.
        case sum
        /// Multiplied elementwise.
        case mul
        /// Their elementwise mean.
        case ave
    }

    /// Bidirectional's arguments: the forward layer's description, the merge mode and the name.
    public struct Configuration: LayerConfiguration {
        /// The forward layer's description (named `forward_<layer>`, as Keras stores it).
        public var layer: LayerDescription
        /// How the two directions' outputs are combined.
        public var mergeMode: MergeMode
        /// The layer name (unique in a model).
        public var name: String
    }

    /// The name under which the layer is saved and registered.
    public static let typeName = "Bidirectional"
    /// The layer run forwards in time: the layer given, renamed `forward_<its name>` (its type's
    /// snake_case name when it had none).
    public let forwardLayer: any Layer
    /// The layer run backwards in time: a copy of ``forwardLayer``'s configuration named
    /// `backward_<name>`, with weights of its own. `nil` only when the wrapped layer's type is not
    /// registered; building then throws ``LayerError/unknownLayerType(_:)``.
    public private(set) var backwardLayer: (any Layer)?
    /// The layer name (unique in a model).
    public var name: String
    /// The wrapper's name and merge mode and the forward layer's description, which that layer keeps.
    public var configuration: Configuration {
        get { Configuration(layer: LayerRegistry.describe(forwardLayer), mergeMode: merging, name: name) }
        set { name = newValue.name }
    }
    private let merging: MergeMode
    private var isBuilt = false
    // The last forward pass: both directions' outputs (time-aligned), for `mul` and the shapes.
    private var forwardOutput: Tensor?
    private var backwardOutput: Tensor?

    /// Wraps a recurrent layer.
    /// - Parameters:
    ///   - layer: The forward layer, taking `[batch, timesteps, features]` (``LSTM``). It is renamed
    ///     `forward_<name>`; the backward layer is a copy of its configuration.
    ///   - mergeMode: How the outputs of both directions are combined; `.concat` by default.
    ///   - name: The layer name; when empty (the default), adding the layer to a model names it
    ///     `bidirectional`, `bidirectional_1`, ….
    public init(_ layer: any Layer, mergeMode: MergeMode = .concat, name: String = "") {
        let base = Self.removingPrefix("forward_", from: layer.name.isEmpty ? snakeCase(layer.typeName) : layer.name)
        layer.name = "forward_" + base
        self.forwardLayer = layer
        self.merging = mergeMode
        self.name = name
        self.backwardLayer = try? makeBackwardLayer()
    }

    /// Recreates the wrapper and its forward layer (the backward one is a copy); the inner type must
    /// be registered.
    public convenience init(configuration: Configuration) throws {
        let layer = try WeightLoadingScope.with(
            prefix: { ($0.prefix ?? "") + configuration.name + "/" }, nesting: true, layer: Self.typeName
        ) {
            try makeWrappedLayer(from: configuration.layer) {
                guard Self.returnsSequences(configuration.layer) != nil else {
                    throw Self.notRecurrent(configuration.layer.type, layer: configuration.name)
                }
            }
        }
        self.init(layer, mergeMode: configuration.mergeMode, name: configuration.name)
    }

    /// Both directions' weights, forward first; empty until the wrapper is built.
    public var parameters: [Parameter] {
        guard isBuilt, let backwardLayer else { return [] }
        return forwardLayer.parameters + backwardLayer.parameters
    }

    /// `forward_<layer>/<weight>` then `backward_<layer>/<weight>`.
    public var namedParameters: [(path: String, parameter: Parameter)] {
        guard isBuilt, let backwardLayer else { return [] }
        return [forwardLayer, backwardLayer].flatMap { layer in
            layer.namedParameters.map { ("\(layer.name)/\($0.path)", $0.parameter) }
        }
    }

    public var regularizationLoss: Float {
        forwardLayer.regularizationLoss + (backwardLayer?.regularizationLoss ?? 0)
    }

    public func outputShape(for inputShape: [Int]) throws -> [Int] {
        guard let sequences = Self.returnsSequences(LayerRegistry.describe(forwardLayer)) else {
            throw Self.notRecurrent(forwardLayer.typeName, layer: name)
        }
        guard inputShape.count == 2 else {
            throw LayerError.incompatibleInput(layer: name, expected: "[timesteps, features]", received: inputShape)
        }
        var shape = try forwardLayer.outputShape(for: inputShape)
        guard shape.count == (sequences ? 2 : 1), !sequences || shape[0] == inputShape[0] else {
            throw LayerError.invalidArgument(
                layer: name, argument: "layer", value: "\(forwardLayer.typeName) with output \(shape)",
                expected: sequences ? "an output [\(inputShape[0]), units]" : "an output [units]")
        }
        if merging == .concat {
            shape[shape.count - 1] = try SizeLimit.scaled(shape[shape.count - 1], by: 2, layer: name, tensor: "output")
            try SizeLimit.check(shape, layer: name, tensor: "output")
        }
        return shape
    }

    public func build<G: RandomNumberGenerator>(inputShape: [Int], using generator: inout G) throws {
        _ = try outputShape(for: inputShape)
        let backwardLayer = try self.backwardLayer ?? makeBackwardLayer()
        self.backwardLayer = backwardLayer
        // While a saved model loads, each direction takes its weights under its own name.
        for layer in [forwardLayer, backwardLayer] where layer.parameters.isEmpty {
            try WeightLoadingScope.with(prefix: { ($0.prefix ?? "") + layer.name + "/" }) {
                try layer.build(inputShape: inputShape, using: &generator)
            }
        }
        isBuilt = true
    }

    public func forward(_ input: Tensor, training: Bool) throws -> Tensor {
        guard isBuilt, let backwardLayer else { throw LayerError.notBuilt(layer: name) }
        guard input.rank == 3 else {
            throw LayerError.incompatibleInput(
                layer: name, expected: "[timesteps, features]", received: Array(input.shape.dropFirst()))
        }
        let forwardOutput = try forwardLayer.forward(input, training: training)
        var backwardOutput = try backwardLayer.forward(input.reversed(along: 1), training: training)
        if backwardOutput.rank == 3 { backwardOutput = try backwardOutput.reversed(along: 1) }
        guard forwardOutput.shape == backwardOutput.shape else {
            throw LayerError.incompatibleInput(
                layer: name, expected: "both directions to give one shape, \(forwardOutput.shape)",
                received: backwardOutput.shape)
        }
        (self.forwardOutput, self.backwardOutput) = (forwardOutput, backwardOutput)
        switch merging {
        case .concat: return try Tensor(concatenating: [forwardOutput, backwardOutput], along: -1)
        case .sum: return forwardOutput + backwardOutput
        case .mul: return forwardOutput * backwardOutput
        case .ave: return (forwardOutput + backwardOutput) / 2
        }
    }

    public func backward(_ outputGradient: Tensor) throws -> Tensor {
        guard let backwardLayer, let forwardOutput, let backwardOutput else { throw LayerError.notBuilt(layer: name) }
        var merged = forwardOutput.shape
        if merging == .concat { merged[merged.count - 1] *= 2 }
        guard outputGradient.shape == merged else {
            throw LayerError.incompatibleInput(
                layer: name, expected: "an output gradient of the output's shape \(merged)",
                received: outputGradient.shape)
        }
        var (forwardGradient, backwardGradient): (Tensor, Tensor)
        switch merging {
        case .concat:
            let units = forwardOutput.shape[forwardOutput.rank - 1]
            forwardGradient = try outputGradient.slicing(..<units, along: -1)
            backwardGradient = try outputGradient.slicing(units..., along: -1)
        case .sum: (forwardGradient, backwardGradient) = (outputGradient, outputGradient)
        case .mul:
            (forwardGradient, backwardGradient) = (outputGradient * backwardOutput, outputGradient * forwardOutput)
        case .ave:
            forwardGradient = outputGradient / 2
            backwardGradient = forwardGradient
        }
        if backwardGradient.rank == 3 { backwardGradient = try backwardGradient.reversed(along: 1) }
        var inputGradient = try forwardLayer.backward(forwardGradient)
        inputGradient += try backwardLayer.backward(backwardGradient).reversed(along: 1)
        return inputGradient
    }

    /// The copy of the forward layer's configuration named `backward_<name>`.
    private func makeBackwardLayer() throws -> any Layer {
        var description = LayerRegistry.describe(forwardLayer)
        let backwardName = "backward_" + Self.removingPrefix("forward_", from: forwardLayer.name)
        if case var .object(members) = description.config {
            members["name"] = .string(backwardName)
            description.config = .object(members)
        }
        return try LayerRegistry.makeLayer(from: description)
    }

    /// The layer's `returnSequences`, or `nil` when its configuration has no such Boolean (not a
    /// recurrent layer).
    static func returnsSequences(_ description: LayerDescription) -> Bool? {
        guard case let .object(members) = description.config, case let .bool(value)? = members["returnSequences"]
        else { return nil }
        return value
    }

    private static func notRecurrent(_ type: String, layer: String) -> LayerError {
        .invalidArgument(
            layer: layer.isEmpty ? snakeCase(typeName) : layer, argument: "layer", value: type,
            expected: "a recurrent layer taking [timesteps, features] (its configuration has returnSequences)")
    }

    private static func removingPrefix(_ prefix: String, from name: String) -> String {
        name.hasPrefix(prefix) ? String(name.dropFirst(prefix.count)) : name
    }
}
