import Tensor

extension Sequential {
    /// Trains the model (Keras `fit`).
    ///
    /// Each epoch shuffles the samples (unless `shuffle` is false) with the model's seeded generator,
    /// runs one optimizer step per batch, and reports the sample-weighted mean of the batch losses
    /// (computed before each step, regularization included) as `loss`, and the loss on the
    /// validation data after the epoch as `val_loss`.
    ///
    /// - Parameters:
    ///   - validationData: Held-out inputs and targets evaluated after each epoch.
    ///   - validationSplit: Instead, the fraction of samples taken from the *end* of `x` and `y`
    ///     (before shuffling) for validation, as Keras does.
    ///   - verbose: Progress output; see ``Verbosity``.
    ///   - callbacks: Hooks such as early stopping or checkpoints.
    /// - Throws: ``LayerError/nonFiniteLoss(epoch:batch:value:)`` when the loss becomes NaN or
    ///   infinite, shape errors for mismatched data, and errors thrown by callbacks.
    @discardableResult
    public func fit(_ x: Tensor, _ y: Tensor, epochs: Int = 1, batchSize: Int = 32,
                    validationData: (Tensor, Tensor)? = nil, validationSplit: Float = 0,
                    shuffle: Bool = true, verbose: Verbosity = .progressBar,
                    callbacks: [any Callback] = []) throws -> History {
        guard let loss, let optimizer else { throw LayerError.notCompiled }
        try checkData(x, y)
        guard batchSize > 0 else {
            throw LayerError.invalidTrainingArgument(argument: "batchSize", value: "\(batchSize)", expected: "a positive integer")
        }
        guard validationSplit >= 0, validationSplit < 1 else {
            throw LayerError.invalidTrainingArgument(argument: "validationSplit", value: "\(validationSplit)", expected: "a fraction in [0, 1)")
        }
        var (trainX, trainY, validation) = (x, y, validationData)
        if validationData == nil, validationSplit > 0 {
            let splitAt = Int(Float(x.batchSize) * (1 - validationSplit))
            trainX = x.slicingBatch(0..<splitAt)
            trainY = y.slicingBatch(0..<splitAt)
            validation = (x.slicingBatch(splitAt..<x.batchSize), y.slicingBatch(splitAt..<x.batchSize))
        }
        if let (vx, vy) = validation { try checkData(vx, vy) }

        let count = trainX.batchSize
        // An autoencoder's target is its input: gather each shuffled batch once, not twice.
        let targetIsInput = trainX == trainY
        let batchesPerEpoch = (count + batchSize - 1) / batchSize
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
            var order = Array(0..<count)
            if shuffle { order.shuffle(using: &generator) }
            var total = 0.0, seen = 0
            for (batch, range) in batchRanges(count: count, batchSize: batchSize).enumerated() {
                for callback in allCallbacks { try callback.onBatchBegin(batch, model: self) }
                let indices = order[range]
                let input = shuffle ? trainX.gatheringBatch(indices) : trainX.slicingBatch(range)
                let target = targetIsInput ? input : (shuffle ? trainY.gatheringBatch(indices) : trainY.slicingBatch(range))
                let value = try step(input, target, loss: loss, optimizer: optimizer, parameters: parameters)
                guard value.isFinite else { throw LayerError.nonFiniteLoss(epoch: epoch, batch: batch, value: value) }
                total += Double(value) * Double(range.count)
                seen += range.count
                let logs: Logs = ["loss": Float(total / Double(seen))]
                for callback in allCallbacks { try callback.onBatchEnd(batch, logs: logs, model: self) }
            }
            var logs: Logs = ["loss": Float(total / Double(Swift.max(1, seen)))]
            if let (vx, vy) = validation { logs["val_loss"] = try evaluate(vx, vy, batchSize: batchSize) }
            history.record(epoch: epoch, logs: logs)
            for callback in allCallbacks { try callback.onEpochEnd(epoch, logs: logs, model: self) }
            if stopTraining { break }
        }
        for callback in allCallbacks { try callback.onTrainEnd(model: self) }
        return history
    }

    /// One optimizer step; returns the loss (regularization included) before the step.
    func step(_ input: Tensor, _ target: Tensor, loss: any Loss, optimizer: any Optimizer,
              parameters: [Parameter]) throws -> Float {
        for parameter in parameters { parameter.zeroGradient() }
        let prediction = try forward(input, training: true)
        let (lossValue, gradient) = loss.valueAndGradient(predicted: prediction, target: target)
        let value = lossValue + regularizationLoss
        guard value.isFinite else { return value }
        try backward(gradient)
        optimizer.update(parameters)
        return value
    }
}
