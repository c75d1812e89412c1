import Tensor

extension Sequential {
    /// Every weight keyed by its path, `"<layer>/<weight>"` (`"lstm/recurrent_kernel"`,
    /// `"encoder/conv2d/kernel"` in a nested model): the names of ``namedWeights`` and of saved
    /// weight files, as a dictionary (PyTorch's `state_dict()`).
    ///
    /// ```swift
    /// let kernel = model.weightsByName["dense/kernel"]!
    /// var weights = model.weightsByName
    /// weights["dense/bias"] = Tensor(zeros: [1])
    /// try model.setWeights(weights)
    /// ```
    ///
    /// The values are copies: changing them changes nothing until passed to
    /// ``setWeights(_:)-([String:Tensor])``. Keras' positional `get_weights`/`set_weights` are
    /// ``weights()`` and ``setWeights(_:)-([Tensor])``.
    public var weightsByName: [String: Tensor] {
        Dictionary(namedParameters.map { ($0.path, $0.parameter.value) }, uniquingKeysWith: { first, _ in first })
    }

    /// Replaces every weight with the tensor of its path in `weights` (PyTorch's `load_state_dict`,
    /// strict), the names being those of ``weightsByName``.
    ///
    /// Everything is checked first; nothing changes unless every weight of the model is given, with its
    /// shape, and every name is a weight of the model.
    ///
    /// - Throws: ``LayerError/unknownWeight(name:available:)`` for a name the model has no weight for,
    ///   ``LayerError/missingWeight(name:)`` for a weight not given, and
    ///   ``LayerError/weightShapeMismatch(parameter:expected:received:)`` (naming the weight's path)
    ///   for a tensor of the wrong shape. With several problems, the first name in sorted order is reported.
    public func setWeights(_ weights: [String: Tensor]) throws {
        let named = namedParameters
        let paths = Set(named.map(\.path))
        if let unknown = weights.keys.filter({ !paths.contains($0) }).min() {
            throw LayerError.unknownWeight(name: unknown, available: named.map(\.path))
        }
        if let missing = named.map(\.path).filter({ weights[$0] == nil }).min() {
            throw LayerError.missingWeight(name: missing)
        }
        for (path, parameter) in named.sorted(by: { $0.path < $1.path }) {
            let shape = weights[path]!.shape
            guard shape == parameter.value.shape else {
                throw LayerError.weightShapeMismatch(parameter: path, expected: parameter.value.shape, received: shape)
            }
        }
        for (path, parameter) in named { parameter.value = weights[path]! }
    }
}
