import Tensor

extension Sequential {
    /// Trains the model (Keras `fit`).
    ///
    /// Each epoch shuffles the samples (unless `shuffle` is false) with the model's seeded generator,
    /// runs one optimizer step per batch, and reports the sample-weighted mean of the batch losses
    /// (computed before each step, regularization included) as `loss`, and the loss on the
    /// validation data after the epoch as `val_loss`.
    ///
    /// Nothing is silently wrong: before any weight changes, `fit` checks its arguments, the
    /// optimizer's hyperparameters (``Optimizer/validateHyperparameters()``; `compile` does not throw)
    /// and that every value of the training and validation data is finite. During training a step
    /// that would make a weight or the optimizer state NaN or infinite is refused and training stops
    /// with an error, so after any error the weights are finite: those from before the failing step
    /// (or, after a non-finite `val_loss`, from the end of that epoch).
    ///
    /// - Parameters:
    ///   - x: The training inputs; the first axis indexes samples.
    ///   - y: The training targets, one per sample of `x` (for an autoencoder, `x` itself).
    ///   - epochs: Epochs to run (0 runs none and returns an empty history).
    ///   - batchSize: Samples per optimizer step (> 0).
    ///   - validationData: Held-out inputs and targets evaluated after each epoch.
    ///   - validationSplit: Instead, the fraction of samples taken from the *end* of `x` and `y`
    ///     (before shuffling) for validation, as Keras does. It must leave at least one sample on each side.
    ///   - shuffle: Whether to shuffle the samples before each epoch (`true`, like Keras).
    ///   - verbose: Progress output; see ``Verbosity``.
    ///   - callbacks: Hooks such as early stopping or checkpoints.
    /// - Throws:
    ///   - ``LayerError/invalidTrainingArgument(argument:value:expected:)`` for `epochs < 0`,
    ///     `batchSize ≤ 0`, a `validationSplit` outside [0, 1) or leaving no training or validation
    ///     sample, empty data, or an out-of-range optimizer hyperparameter (checked again before
    ///     each epoch, since a callback may change the learning rate).
    ///   - ``LayerError/dataShapeMismatch(expected:received:)`` and
    ///     ``LayerError/targetShapeMismatch(expected:received:)`` for mismatched data, including
    ///     different sample counts in `x` and `y`.
    ///   - ``TrainingError/nonFiniteData(tensor:index:value:)`` when the data holds NaN or infinity.
    ///   - ``LayerError/nonFiniteLoss(epoch:batch:value:)`` when a batch's loss is NaN or infinite
    ///     (the step is not applied).
    ///   - ``TrainingError/nonFiniteWeights(parameter:step:epoch:batch:)`` when a step would make a
    ///     weight or the optimizer state NaN or infinite (the step is refused).
    ///   - ``TrainingError/nonFiniteValidationLoss(epoch:value:)`` when `val_loss` is NaN or infinite.
    ///   - Errors thrown by callbacks.
    @discardableResult
    public func fit(
        _ x: Tensor, _ y: Tensor, epochs: Int = 1, batchSize: Int = 32,
        validationData: (Tensor, Tensor)? = nil, validationSplit: Float = 0,
        shuffle: Bool = true, verbose: Verbosity = .progressBar,
        callbacks: [any Callback] = []
    ) throws -> History {
        guard let loss, let optimizer else { throw LayerError.notCompiled }
        guard epochs >= 0 else {
            throw LayerError.invalidTrainingArgument(argument: "epochs", value: "\(epochs)", expected: "an integer ≥ 0")
        }
        try checkBatchSize(batchSize)
        guard validationSplit >= 0, validationSplit < 1 else {
            throw LayerError.invalidTrainingArgument(
                argument: "validationSplit", value: "\(validationSplit)", expected: "a fraction in [0, 1)")
        }
        try optimizer.validateHyperparameters()
        try checkData(x, y)
        try checkNotEmpty(x, name: "x")
        try checkFinite(x, name: "x", target: y, targetName: "y")
        var (trainX, trainY, validation) = (x, y, validationData)
        if let (vx, vy) = validationData {
            try checkData(vx, vy)
            try checkNotEmpty(vx, name: "validationData")
            try checkFinite(vx, name: "validation x", target: vy, targetName: "validation y")
        } else if validationSplit > 0 {
            let splitAt = Int(Float(x.batchSize) * (1 - validationSplit))
            guard splitAt > 0, splitAt < x.batchSize else {
                throw LayerError.invalidTrainingArgument(
                    argument: "validationSplit", value: "\(validationSplit)",
                    expected:
                        "a fraction leaving at least one of the \(x.batchSize) samples for training and one for validation"
                )
            }
            trainX = x.slicingBatch(0..<splitAt)
            trainY = y.slicingBatch(0..<splitAt)
            validation = (x.slicingBatch(splitAt..<x.batchSize), y.slicingBatch(splitAt..<x.batchSize))
        }

        let count = trainX.batchSize
        // An autoencoder's target is its input: gather each shuffled batch once, not twice.
        let targetIsInput = trainX == trainY
        let batchesPerEpoch = count / batchSize + (count % batchSize == 0 ? 0 : 1)
        var allCallbacks = callbacks
        if verbose != .silent {
            allCallbacks.append(ProgressLogger(verbosity: verbose, epochs: epochs, batchesPerEpoch: batchesPerEpoch))
        }
        var history = History()
        let parameters = self.parameters
        stopTraining = false
        for callback in allCallbacks { try callback.onTrainBegin(model: self) }
        for epoch in 0..<epochs {
            for callback in allCallbacks { try callback.onEpochBegin(epoch, model: self) }
            try optimizer.validateHyperparameters()
            var order = Array(0..<count)
            if shuffle { order.shuffle(using: &generator) }
            var total = 0.0
            var seen = 0
            for (batch, range) in batchRanges(count: count, batchSize: batchSize).enumerated() {
                for callback in allCallbacks { try callback.onBatchBegin(batch, model: self) }
                let indices = order[range]
                let input = shuffle ? trainX.gatheringBatch(indices) : trainX.slicingBatch(range)
                let target =
                    targetIsInput ? input : (shuffle ? trainY.gatheringBatch(indices) : trainY.slicingBatch(range))
                let value = try step(
                    input, target, loss: loss, optimizer: optimizer, parameters: parameters,
                    epoch: epoch, batch: batch)
                guard value.isFinite else { throw LayerError.nonFiniteLoss(epoch: epoch, batch: batch, value: value) }
                total += Double(value) * Double(range.count)
                seen += range.count
                let logs: Logs = ["loss": Float(total / Double(seen))]
                for callback in allCallbacks { try callback.onBatchEnd(batch, logs: logs, model: self) }
            }
            var logs: Logs = ["loss": Float(total / Double(Swift.max(1, seen)))]
            if let (vx, vy) = validation {
                let validationLoss = try meanLoss(vx, vy, loss: loss, batchSize: batchSize)
                guard validationLoss.isFinite else {
                    throw TrainingError.nonFiniteValidationLoss(epoch: epoch, value: validationLoss)
                }
                logs["val_loss"] = validationLoss
            }
            history.record(epoch: epoch, logs: logs)
            for callback in allCallbacks { try callback.onEpochEnd(epoch, logs: logs, model: self) }
            if stopTraining { break }
        }
        for callback in allCallbacks { try callback.onTrainEnd(model: self) }
        return history
    }

    /// One optimizer step; returns the loss (regularization included) before the step. A
    /// non-finite loss is returned without a step; a step that would make a weight non-finite is
    /// refused with ``TrainingError/nonFiniteWeights(parameter:step:epoch:batch:)``. Unless the step
    /// is applied, the non-trainable weights that the training-mode forward pass updated (moving
    /// statistics) are restored, so a failed step changes nothing.
    func step(
        _ input: Tensor, _ target: Tensor, loss: any Loss, optimizer: any Optimizer,
        parameters: [Parameter], epoch: Int?, batch: Int?
    ) throws -> Float {
        for parameter in parameters { parameter.zeroGradient() }
        let state = ParameterSnapshot(nonTrainableOf: parameters)
        var applied = false
        defer { if !applied { state.restore() } }
        let prediction = try forward(input, training: true)
        let (lossValue, gradient) = loss.valueAndGradient(predicted: prediction, target: target)
        let value = lossValue + regularizationLoss
        guard value.isFinite else { return value }
        try backward(gradient, needsInputGradient: false)
        let optimizerStep = optimizer.iterations + 1
        func refuse(_ parameter: Parameter) -> TrainingError {
            let path = namedParameters.first { $0.parameter === parameter }?.path ?? parameter.name
            return TrainingError.nonFiniteWeights(parameter: path, step: optimizerStep, epoch: epoch, batch: batch)
        }
        if let bad = state.firstNonFinite { throw refuse(bad) }
        if let bad = optimizer.updateIfFinite(parameters) { throw refuse(parameters[bad]) }
        applied = true
        return value
    }

    func checkBatchSize(_ batchSize: Int) throws {
        guard batchSize > 0 else {
            throw LayerError.invalidTrainingArgument(
                argument: "batchSize", value: "\(batchSize)", expected: "a positive integer")
        }
    }

    func checkNotEmpty(_ data: Tensor, name: String) throws {
        guard data.batchSize > 0 else {
            throw LayerError.invalidTrainingArgument(
                argument: name, value: "0 samples", expected: "at least one sample")
        }
    }

    /// Checks inputs and targets; an autoencoder's targets are its inputs (the same storage) and
    /// are scanned once.
    func checkFinite(_ input: Tensor, name: String, target: Tensor, targetName: String) throws {
        try checkFinite(input, name: name)
        let sameStorage = input.withUnsafeBufferPointer { a in
            target.withUnsafeBufferPointer { b in a.baseAddress == b.baseAddress && a.count == b.count }
        }
        if !sameStorage { try checkFinite(target, name: targetName) }
    }

    /// Throws ``TrainingError/nonFiniteData(tensor:index:value:)`` at the first NaN or infinite value.
    func checkFinite(_ data: Tensor, name: String) throws {
        guard let flat = data.firstNonFiniteIndex else { return }
        var index = [Int](repeating: 0, count: data.shape.count)
        var rest = flat
        for axis in data.shape.indices.reversed() where data.shape[axis] > 0 {
            index[axis] = rest % data.shape[axis]
            rest /= data.shape[axis]
        }
        throw TrainingError.nonFiniteData(tensor: name, index: index, value: data[flat: flat])
    }

    /// The sample-weighted mean loss (regularization included) over `input`, in batches.
    func meanLoss(_ input: Tensor, _ target: Tensor, loss: any Loss, batchSize: Int) throws -> Float {
        var total = 0.0
        for range in batchRanges(count: input.batchSize, batchSize: batchSize) {
            let prediction = try forward(input.slicingBatch(range), training: false)
            let value = loss.value(predicted: prediction, target: target.slicingBatch(range)) + regularizationLoss
            total += Double(value) * Double(range.count)
        }
        return Float(total / Double(Swift.max(1, input.batchSize)))
    }
}
