import Tensor

/// A layer's hyperparameters (Keras `get_config`): everything needed to recreate the layer, name
/// included, and nothing learned.
///
/// A layer keeps its hyperparameters in exactly one place, its ``Layer/configuration``; its
/// initializer fills it in and its code reads from it. Encoded as JSON, it is what a saved model
/// stores for the layer.
public protocol LayerConfiguration: Codable, Equatable, Sendable {
    /// The layer name (unique in a model). Declare it as a stored `var name: String`: the model sets
    /// it (``Sequential/add(_:)`` refuses a layer that does not keep it), and saving stores it under
    /// `"name"` even when your `CodingKeys` leave it out.
    var name: String { get set }
}

/// A building block of a model: a differentiable function with its own weights.
///
/// Conform a `final class` to `Layer` to add your own layer; it then trains in a ``Sequential``,
/// appears in `summary()`, saves and loads (after `LayerRegistry.register(MyLayer.self)`), and can
/// be verified with ``LayerTest`` and ``GradientCheck``. See *Documentation/WritingALayer.md*.
///
/// The contract:
/// - The hyperparameters live once, in ``configuration``. They read as properties of the layer
///   through dynamic member lookup (`dense.units` is `dense.configuration.units`), and ``name`` is
///   `configuration.name`.
/// - Shapes passed to ``build(inputShape:using:)`` and ``outputShape(for:)`` exclude the batch axis
///   (Keras' `input_shape`); tensors passed to ``forward(_:training:)`` include it.
/// - `build` creates the weights once the input shape is known, validates hyperparameters and
///   throws ``LayerError`` when they are invalid. It is called once, before the first `forward`.
/// - `forward` computes the output and caches what `backward` needs.
/// - `backward` receives ∂loss/∂output for the most recent `forward`, **adds** ∂loss/∂weight into
///   each parameter's `gradient`, and returns ∂loss/∂input.
/// - ``parameters`` lists every weight in a fixed order; the names are Keras' weight names.
@dynamicMemberLookup
public protocol Layer: AnyObject, SendableMetatype {
    /// The hyperparameters that recreate the layer (Keras `get_config`).
    associatedtype Configuration: LayerConfiguration

    /// The name stored in saved models (Keras' class name, e.g. `"Dense"`).
    static var typeName: String { get }

    /// The hyperparameters of this instance: the one place the layer keeps them. Change only the
    /// name of a built layer; other changes would not match its weights.
    var configuration: Configuration { get set }

    /// The instance name shown by `summary()` and used to name saved weights (`"dense_1"`).
    /// An empty name is replaced by a unique one when the layer is added to a model. By default it
    /// is `configuration.name`.
    var name: String { get set }

    /// Creates an unbuilt layer from its hyperparameters (Keras `from_config`). A non-throwing
    /// initializer satisfies this requirement.
    init(configuration: Configuration) throws

    /// The layer's weights in a fixed order. Empty for layers without weights.
    var parameters: [Parameter] { get }

    /// Every weight with its path inside this layer: the weight name for a plain layer
    /// (`"kernel"`), `"<layer>/<weight>"` paths for a model nested as a layer. Saved weights are
    /// keyed `"<layer name>/<path>"`.
    var namedParameters: [(path: String, parameter: Parameter)] { get }

    /// The extra loss added by this layer during the most recent `forward` (activity regularizers).
    var regularizationLoss: Float { get }

    /// Creates the weights for inputs of `inputShape` (batch axis excluded).
    func build<G: RandomNumberGenerator>(inputShape: [Int], using generator: inout G) throws

    /// The output shape for an input shape, both without the batch axis.
    func outputShape(for inputShape: [Int]) throws -> [Int]

    /// Computes the output for a batch and caches what `backward` needs.
    func forward(_ input: Tensor, training: Bool) throws -> Tensor

    /// Back-propagates ∂loss/∂output of the last `forward`: adds weight gradients, returns ∂loss/∂input.
    func backward(_ outputGradient: Tensor) throws -> Tensor

    /// ``Layer/backward(_:)`` for a caller that may not need ∂loss/∂input: a model's training step passes
    /// `false` to its first learning layer (the input is data, as PyTorch skips tensors that do not
    /// require a gradient). Then a layer may skip that product and return any tensor, which the caller
    /// ignores. The default calls ``Layer/backward(_:)``; weight gradients must be the same either way.
    func backward(_ outputGradient: Tensor, needsInputGradient: Bool) throws -> Tensor
}

extension Layer {
    public func backward(_ outputGradient: Tensor, needsInputGradient: Bool) throws -> Tensor {
        try backward(outputGradient)
    }

    public var parameters: [Parameter] { [] }
    public var namedParameters: [(path: String, parameter: Parameter)] { parameters.map { ($0.name, $0) } }
    public var regularizationLoss: Float { 0 }

    /// The configuration's name.
    public var name: String {
        get { configuration.name }
        set { configuration.name = newValue }
    }

    /// A hyperparameter read from ``configuration``: `dense.units`, `lstm.returnSequences`.
    public subscript<Value>(dynamicMember keyPath: KeyPath<Configuration, Value>) -> Value {
        configuration[keyPath: keyPath]
    }

    /// Layers without weights only need to check the shape.
    public func build<G: RandomNumberGenerator>(inputShape: [Int], using generator: inout G) throws {
        _ = try outputShape(for: inputShape)
    }

    /// The number of scalars in all weights.
    public var parameterCount: Int { parameters.reduce(0) { $0 + $1.count } }

    /// The Keras type name of this instance.
    public var typeName: String { Self.typeName }

    /// Runs `forward` in inference mode: `let y = try layer(x)`.
    public func callAsFunction(_ input: Tensor) throws -> Tensor {
        try forward(input, training: false)
    }

    /// The parameter called `name` (a Keras weight name), if any.
    public func parameter(named name: String) -> Parameter? {
        parameters.first { $0.name == name }
    }
}

/// A snake_case version of a type name, as Keras names layers (`TimeDistributed` → `time_distributed`,
/// `Conv2DTranspose` → `conv2d_transpose`, `LSTM` → `lstm`): Keras' `to_snake_case`, which inserts `_`
/// before a capital followed by lowercase letters or digits, and between a lowercase letter and a capital.
func snakeCase(_ name: String) -> String {
    let characters = Array(name)
    var result = ""
    for (index, character) in characters.enumerated() {
        if index > 0, character.isUppercase {
            let next = index + 1 < characters.count ? characters[index + 1] : nil
            let startsWord = next.map { $0.isLowercase || $0.isNumber } ?? false
            if startsWord || characters[index - 1].isLowercase { result.append("_") }
        }
        result.append(character)
    }
    return result.lowercased()
}
