import Tensor

extension Sequential {
    /// The gradient of the compiled loss (regularization included) with respect to every trainable
    /// weight, keyed by weight path (the names of ``weightsByName``), on one batch; no weight changes.
    ///
    /// This is Keras' `tape.gradient(loss, model.trainable_weights)` around `loss(y, model(x,
    /// training=True)) + sum(model.losses)`, or PyTorch's `zero_grad()`, `loss.backward()` and
    /// reading each `.grad`, in one call: gradients are computed from zero on every call, never
    /// accumulated, and neither the weights (non-trainable ones included, such as BatchNormalization's
    /// moving statistics) nor the optimizer state (its step count and moments) change.
    ///
    /// ```swift
    /// model.compile(optimizer: Adam(), loss: .meanSquaredError)
    /// let gradients = try model.gradients(x, y)
    /// print(gradients["dense/kernel"]!.shape)   // the kernel's shape
    /// ```
    ///
    /// Afterwards each ``Parameter/gradient`` holds the same values (as after a PyTorch `backward()`);
    /// ``zeroGradients()`` clears them.
    ///
    /// - Parameters:
    ///   - input: One batch of inputs.
    ///   - target: Its targets.
    ///   - training: Whether layers run as in training (`true`, as `fit` does: dropout active, drawing
    ///     new masks from the model's seeded generator on each call) or as in inference.
    /// - Returns: One tensor per trainable weight, of the weight's shape.
    /// - Throws: ``LayerError/notCompiled``; ``LayerError/dataShapeMismatch(expected:received:)`` and
    ///   ``LayerError/targetShapeMismatch(expected:received:)`` for mismatched data;
    ///   ``LayerError/invalidTrainingArgument(argument:value:expected:)`` for an empty batch;
    ///   ``TrainingError/nonFiniteData(tensor:index:value:)`` when the data holds NaN or infinity.
    public func gradients(_ input: Tensor, _ target: Tensor, training: Bool = true) throws -> [String: Tensor] {
        try lossAndGradients(input, target, training: training).gradients
    }

    /// The compiled loss on one batch (regularization included, as ``trainOnBatch(_:_:)`` reports it)
    /// and its gradients, as ``gradients(_:_:training:)`` computes them; no weight changes.
    ///
    /// ```swift
    /// let (loss, gradients) = try model.lossAndGradients(x, y)
    /// ```
    ///
    /// - Throws: The errors of ``gradients(_:_:training:)``.
    public func lossAndGradients(
        _ input: Tensor, _ target: Tensor,
        training: Bool = true
    ) throws -> (loss: Float, gradients: [String: Tensor]) {
        guard let loss else { throw LayerError.notCompiled }
        try checkData(input, target)
        try checkNotEmpty(input, name: "input")
        try checkFinite(input, name: "input", target: target, targetName: "target")
        zeroGradients()
        let state = ParameterSnapshot(nonTrainableOf: parameters)
        defer { state.restore() }
        let prediction = try forward(input, training: training)
        let (value, gradient) = loss.valueAndGradient(predicted: prediction, target: target)
        try backward(gradient, needsInputGradient: false)
        var gradients: [String: Tensor] = [:]
        for (path, parameter) in namedParameters where parameter.isTrainable {
            gradients[path] = parameter.gradient
        }
        return (value + regularizationLoss, gradients)
    }

    /// Sets every weight's accumulated ``Parameter/gradient`` to zero (PyTorch `zero_grad()`).
    ///
    /// Only needed when you call ``backward(_:)`` yourself: `fit`, `trainOnBatch` and
    /// ``gradients(_:_:training:)`` start each batch from zero.
    public func zeroGradients() {
        for parameter in parameters { parameter.zeroGradient() }
    }
}
