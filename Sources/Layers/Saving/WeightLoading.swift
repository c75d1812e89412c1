import Tensor

/// While a saved model is rebuilt, the tensors of its weights file: built-in layers take their
/// weights from here (checking name and shape before anything is allocated) instead of drawing
/// random initial weights that would be overwritten at once.
struct WeightSource: Sendable {
    /// The decoded tensors by `layer/weight` path.
    let tensors: [String: Tensor]
    /// The weights file, for errors.
    let path: String
}

/// The weight source of the model being loaded and the path prefix of what is being built.
struct WeightLoadingScope: Sendable {
    let source: WeightSource
    /// `nil` until the top-level model starts adding layers; then the path prefix (`""`,
    /// `"encoder/"`, `"encoder/dense/"`) of the model or layer being built.
    let prefix: String?
    /// Set by `TimeDistributed` around creating its inner layer: a nested model inside it takes the
    /// wrapper's prefix instead of adding its own name (the wrapper's weights are the inner ones).
    var transparent = false
    /// How many models and wrappers enclose what is being built.
    var depth = 0

    @TaskLocal static var current: WeightLoadingScope?

    /// Runs `body` with the prefix `prefix(current)`, when a model is being loaded (else just runs it).
    /// `nesting` adds a level of nesting, checked against ``SizeLimit/maximumNestingDepth``.
    static func with<R>(
        prefix: (WeightLoadingScope) -> String, transparent: Bool = false, nesting: Bool = false,
        layer: String = "", _ body: () throws -> R
    ) throws -> R {
        guard let scope = current else { return try body() }
        let depth = scope.depth + (nesting ? 1 : 0)
        guard depth <= SizeLimit.maximumNestingDepth else {
            throw LayerError.invalidConfiguration(
                type: layer, reason: "models nested deeper than \(SizeLimit.maximumNestingDepth) levels")
        }
        let inner = WeightLoadingScope(
            source: scope.source, prefix: prefix(scope), transparent: transparent, depth: depth)
        return try $current.withValue(inner, operation: body)
    }
}

/// A new weight: while loading a saved model, the stored tensor `prefix + name` (after checking
/// its shape); otherwise `initializer`'s values, changed by `adjust`. The shape is checked against
/// ``SizeLimit/maximumElementCount`` first. A non-trainable weight (`isTrainable: false`, such as
/// BatchNormalization's moving statistics) stays non-trainable when loaded.
///
/// - Throws: ``LayerError/tooLarge(layer:tensor:size:limit:)``; while loading,
///   ``SavingError/missingTensor(path:name:)`` or ``SavingError/shapeMismatch(path:name:expected:found:)``.
func makeParameter<G: RandomNumberGenerator>(
    _ name: String, shape: [Int], initializer: Initializer, layer: String,
    isTrainable: Bool = true, using generator: inout G, adjust: (inout Tensor) -> Void = { _ in }
) throws -> Parameter {
    try SizeLimit.check(shape, layer: layer, tensor: name)
    if let scope = WeightLoadingScope.current {
        let key = (scope.prefix ?? "") + name
        guard let stored = scope.source.tensors[key] else {
            throw SavingError.missingTensor(path: scope.source.path, name: key)
        }
        guard stored.shape == shape else {
            throw SavingError.shapeMismatch(path: scope.source.path, name: key, expected: shape, found: stored.shape)
        }
        return Parameter(name: name, value: stored, isTrainable: isTrainable)
    }
    var value = initializer.tensor(shape: shape, using: &generator)
    adjust(&value)
    return Parameter(name: name, value: value, isTrainable: isTrainable)
}
