import CKernels
import Tensor

/// A stack of layers, each feeding the next: Keras' `Sequential` model.
///
/// Layers are built as they are added, so shape errors surface at once, naming the layer and both
/// shapes. Weights come from a seeded generator: the same seed gives the same weights every run.
///
///     let model = try Sequential(inputShape: [5, 59], seed: 42) {
///         LSTM(units: 32, activation: .relu, returnSequences: true)
///         LSTM(units: 16, activation: .relu)
///         RepeatVector(count: 5)
///         LSTM(units: 16, activation: .relu, returnSequences: true)
///         LSTM(units: 32, activation: .relu, returnSequences: true)
///         TimeDistributed(Dense(units: 59))
///     }
///     model.compile(optimizer: Adam(learningRate: 1e-4), loss: .meanSquaredError)
///     let history = try model.fit(x, x, epochs: 10, batchSize: 64)
///
/// A model is itself a ``Layer``: add one model to another to compose sub-models that can still be
/// called alone, as Keras does with an encoder and a decoder.
///
///     let encoder = try Sequential(inputShape: [28, 28, 1], name: "encoder") {
///         Conv2D(filters: 16, kernelSize: 3, strides: 2, padding: .same, activation: .relu)
///     }
///     let autoencoder = try Sequential(inputShape: [28, 28, 1]) { encoder; decoder }
///     let codes = try encoder(x)
public final class Sequential: Layer {
    /// The name under which a nested model is saved and registered.
    public static let typeName = "Sequential"
    /// The model name (`summary()`'s title; a nested model's layer name).
    public var name: String
    /// The shape of one sample, without the batch axis (Keras `input_shape`).
    public let inputShape: [Int]
    /// The layers in order.
    public private(set) var layers: [any Layer] = []
    /// The shape of one output sample.
    public private(set) var outputShape: [Int]
    /// The optimizer set by `compile`.
    public private(set) var optimizer: (any Optimizer)?
    /// The loss set by `compile`.
    public private(set) var loss: (any Loss)?
    /// Set by a callback to end `fit` after the current epoch (Keras `model.stop_training`).
    public var stopTraining = false
    /// The generator for weight initialization and shuffling.
    var generator: SeededGenerator

    /// Creates an empty model for samples of `inputShape`.
    ///
    /// The shape is checked when the first layer is added (``add(_:)`` throws for a size ≤ 0 or more
    /// than ``SizeLimit/maximumElementCount`` elements), and by ``load(from:)``; a model without
    /// layers accepts only data of exactly this shape.
    /// - Parameters:
    ///   - inputShape: The shape of one sample, without the batch axis (Keras `input_shape`).
    ///   - seed: Seeds weight initialization, shuffling and dropout.
    ///   - name: The model name; inside another model an empty name becomes `sequential`, `sequential_1`, ….
    public init(inputShape: [Int], seed: UInt64 = 0, name: String = "") {
        self.name = name
        self.inputShape = inputShape
        self.outputShape = inputShape
        self.generator = SeededGenerator(seed: seed)
        // Every batch allocates and frees tensors of the same sizes: keep that memory for reuse.
        rek_retain_freed_memory()
    }

    /// Creates a model from a list of layers written one per line.
    /// - Throws: ``LayerError`` when a layer does not accept the previous layer's output.
    public convenience init(
        inputShape: [Int], seed: UInt64 = 0, name: String = "",
        @LayerBuilder _ layers: () -> [any Layer]
    ) throws {
        self.init(inputShape: inputShape, seed: seed, name: name)
        for layer in layers() { try add(layer) }
    }

    /// Appends a layer and builds it for the current output shape.
    ///
    /// An unnamed layer gets a unique Keras-style name (`lstm`, `lstm_1`, …); a named layer must not
    /// share its name with another layer of the model (saved weights are keyed by layer name).
    /// The model's ``inputShape`` is checked here too (a model is only usable once it has layers).
    /// - Throws: ``LayerError/invalidArgument(layer:argument:value:expected:)`` for an input shape with
    ///   a size ≤ 0, a name already taken, or a layer that does not keep the name it is given (its
    ///   `Configuration` computes `name` instead of storing it), ``LayerError/tooLarge(layer:tensor:size:limit:)`` when a
    ///   weight or one sample's activation would exceed ``SizeLimit/maximumElementCount`` elements,
    ///   ``LayerError/incompatibleInput(layer:expected:received:)`` naming the layer and shapes.
    public func add(_ layer: any Layer) throws {
        try checkInputShape()
        let taken = Set(layers.map(\.name))
        if layer.name.isEmpty {
            let base = snakeCase(layer.typeName)
            var candidate = base
            var index = 0
            while taken.contains(candidate) {
                index += 1
                candidate = "\(base)_\(index)"
            }
            layer.name = candidate
            // Saved weights are keyed by the name: a layer that drops it could not be loaded again.
            guard layer.name == candidate else {
                throw LayerError.invalidArgument(
                    layer: layer.typeName, argument: "name", value: "\"\(layer.name)\" after setting \"\(candidate)\"",
                    expected:
                        "a layer that keeps the name it is given (declare `var name: String` as a stored property of its Configuration)"
                )
            }
        } else if taken.contains(layer.name) {
            throw LayerError.invalidArgument(
                layer: layer.name, argument: "name", value: "\"\(layer.name)\"",
                expected: "a name no other layer of the model has")
        }
        let shape = try layer.outputShape(for: outputShape)
        if layer.parameters.isEmpty {
            // While a saved model loads, the layer takes its weights from the file under its name.
            try WeightLoadingScope.with(prefix: { ($0.prefix ?? "") + layer.name + "/" }) {
                try layer.build(inputShape: outputShape, using: &generator)
            }
        }
        layers.append(layer)
        outputShape = shape
    }

    /// Checks ``inputShape``: every size positive, at most ``SizeLimit/maximumElementCount`` elements.
    /// - Throws: ``LayerError/invalidArgument(layer:argument:value:expected:)`` naming the first bad
    ///   dimension, or ``LayerError/tooLarge(layer:tensor:size:limit:)``.
    func checkInputShape() throws {
        let model = name.isEmpty ? "sequential" : name
        if let axis = inputShape.firstIndex(where: { $0 <= 0 }) {
            throw LayerError.invalidArgument(
                layer: model, argument: "inputShape", value: "\(inputShape)",
                expected: "positive sizes (dimension \(axis) is \(inputShape[axis]))")
        }
        try SizeLimit.check(inputShape, layer: model, tensor: "input")
    }

    /// Sets the optimizer and the loss used by `fit` and `evaluate`.
    ///
    /// This does not throw: the optimizer's hyperparameters are checked when `fit` (or
    /// `trainOnBatch`) starts, before any weight changes (``Optimizer/validateHyperparameters()``).
    public func compile(optimizer: any Optimizer, loss: any Loss) {
        self.optimizer = optimizer
        self.loss = loss
    }

    /// Every layer's weights, in layer order.
    public var parameters: [Parameter] { layers.flatMap(\.parameters) }

    /// Every weight keyed by its path, `"<layer>/<weight>"` (`"encoder/conv2d/kernel"` when nested).
    public var namedParameters: [(path: String, parameter: Parameter)] {
        layers.flatMap { layer in layer.namedParameters.map { ("\(layer.name)/\($0.path)", $0.parameter) } }
    }

    /// As a layer: the model's output shape, for inputs of exactly ``inputShape``.
    public func outputShape(for inputShape: [Int]) throws -> [Int] {
        guard inputShape == self.inputShape else {
            throw LayerError.incompatibleInput(layer: name, expected: "\(self.inputShape)", received: inputShape)
        }
        return outputShape
    }

    /// The number of scalars in all weights.
    public var parameterCount: Int { layers.reduce(0) { $0 + $1.parameterCount } }

    /// The sum of the layers' regularization losses from the last forward pass.
    public var regularizationLoss: Float { layers.reduce(0) { $0 + $1.regularizationLoss } }

    /// Runs every layer on a batch.
    public func forward(_ input: Tensor, training: Bool) throws -> Tensor {
        guard Array(input.shape.dropFirst()) == inputShape else {
            throw LayerError.dataShapeMismatch(expected: inputShape, received: input.shape)
        }
        var activations = input
        for layer in layers { activations = try layer.forward(activations, training: training) }
        return activations
    }

    /// Back-propagates ∂loss/∂output through every layer, accumulating weight gradients.
    @discardableResult
    public func backward(_ outputGradient: Tensor) throws -> Tensor {
        try backward(outputGradient, needsInputGradient: true)
    }

    /// Back-propagates through every layer; without `needsInputGradient`, layers before the first one
    /// with trainable weights are skipped and that layer computes no ∂loss/∂input (the result is then
    /// meaningless). Weight gradients are the same either way.
    @discardableResult
    public func backward(_ outputGradient: Tensor, needsInputGradient: Bool) throws -> Tensor {
        let firstLearning =
            needsInputGradient
            ? 0 : layers.firstIndex { $0.parameters.contains(where: \.isTrainable) } ?? layers.count
        var gradient = outputGradient
        for index in layers.indices.reversed() where index >= firstLearning {
            gradient = try layers[index].backward(
                gradient, needsInputGradient: needsInputGradient || index > firstLearning)
        }
        return gradient
    }

    /// The model's outputs for `input`, computed `batchSize` samples at a time (Keras `predict`).
    ///
    /// Unlike `fit` and `evaluate`, `predict` does not scan its input: a sample holding NaN or
    /// infinity gets non-finite outputs of its own (samples never mix), which scoring code can detect.
    /// - Throws: ``LayerError/invalidTrainingArgument(argument:value:expected:)`` when `batchSize ≤ 0`,
    ///   ``LayerError/dataShapeMismatch(expected:received:)`` for input of the wrong shape.
    public func predict(_ input: Tensor, batchSize: Int = 32) throws -> Tensor {
        try checkBatchSize(batchSize)
        // Batches are written into one preallocated result, so the peak memory is one output; every
        // element is written, so it is not cleared first.
        let width = outputShape.reduce(1, *)
        let result = try Tensor(
            shape: [input.batchSize] + outputShape,
            unsafeUninitializedScalars: { target in
                for range in batchRanges(count: input.batchSize, batchSize: batchSize) {
                    let output = try forward(input.slicingBatch(range), training: false)
                    guard output.shape == [range.count] + outputShape else {  // a custom layer's outputShape lied
                        throw LayerError.invalidConfiguration(
                            type: name,
                            reason: "the model returned \(output.shape) for \(range.count) samples, "
                                + "its output shape says \([range.count] + outputShape)")
                    }
                    output.withUnsafeBufferPointer { source in
                        Parallel.copy(
                            from: source.baseAddress!, to: target.baseAddress! + range.lowerBound * width,
                            count: source.count)
                    }
                }
            })
        return result
    }

    /// The loss (including regularization) on `input` and `target` (Keras `evaluate`), averaged over
    /// samples.
    ///
    /// The data must be finite; the result can still be infinite (or NaN) if the model's outputs
    /// overflow.
    /// - Throws: ``LayerError/notCompiled``; ``LayerError/invalidTrainingArgument(argument:value:expected:)``
    ///   when `batchSize ≤ 0` or `input` has no samples; shape errors for mismatched data;
    ///   ``TrainingError/nonFiniteData(tensor:index:value:)`` when `input` or `target` holds NaN or infinity.
    public func evaluate(_ input: Tensor, _ target: Tensor, batchSize: Int = 32) throws -> Float {
        guard let loss else { throw LayerError.notCompiled }
        try checkBatchSize(batchSize)
        try checkData(input, target)
        try checkNotEmpty(input, name: "input")
        try checkFinite(input, name: "input", target: target, targetName: "target")
        return try meanLoss(input, target, loss: loss, batchSize: batchSize)
    }

    /// One optimizer step on one batch; returns the batch's loss before the step (Keras `train_on_batch`).
    /// A non-finite loss is returned without updating the weights.
    /// - Throws: ``LayerError/notCompiled``; invalid optimizer hyperparameters or an empty batch as
    ///   ``LayerError/invalidTrainingArgument(argument:value:expected:)``; shape errors;
    ///   ``TrainingError/nonFiniteData(tensor:index:value:)`` for NaN or infinite data; and
    ///   ``TrainingError/nonFiniteWeights(parameter:step:epoch:batch:)`` (with `epoch` and `batch`
    ///   `nil`) when the step would make a weight or the optimizer state NaN or infinite, in which
    ///   case nothing changed.
    @discardableResult
    public func trainOnBatch(_ input: Tensor, _ target: Tensor) throws -> Float {
        guard let loss, let optimizer else { throw LayerError.notCompiled }
        try optimizer.validateHyperparameters()
        try checkData(input, target)
        try checkNotEmpty(input, name: "input")
        try checkFinite(input, name: "input", target: target, targetName: "target")
        return try step(input, target, loss: loss, optimizer: optimizer, parameters: parameters, epoch: nil, batch: nil)
    }

    func checkData(_ input: Tensor, _ target: Tensor) throws {
        guard Array(input.shape.dropFirst()) == inputShape else {
            throw LayerError.dataShapeMismatch(expected: inputShape, received: input.shape)
        }
        guard Array(target.shape.dropFirst()) == outputShape, target.batchSize == input.batchSize else {
            throw LayerError.targetShapeMismatch(expected: [input.batchSize] + outputShape, received: target.shape)
        }
    }
}

/// Consecutive ranges of at most `batchSize` covering `0 ..< count` (callers check `batchSize > 0`).
func batchRanges(count: Int, batchSize: Int) -> [Range<Int>] {
    let size = Swift.min(Swift.max(1, batchSize), Swift.max(1, count))
    return stride(from: 0, to: count, by: size).map { $0..<Swift.min($0 + size, count) }
}

/// Builds a list of layers from statements, for `Sequential(inputShape:) { … }`.
@resultBuilder
public enum LayerBuilder {
    /// Wraps one layer statement.
    public static func buildExpression(_ layer: any Layer) -> [any Layer] { [layer] }
    /// Concatenates the layers of consecutive statements.
    public static func buildBlock(_ components: [any Layer]...) -> [any Layer] { components.flatMap { $0 } }
    /// The layers of an `if` without `else`, or none when its condition is false.
    public static func buildOptional(_ component: [any Layer]?) -> [any Layer] { component ?? [] }
    /// The layers of the first branch of an `if`/`else` or `switch`.
    public static func buildEither(first component: [any Layer]) -> [any Layer] { component }
    /// The layers of the second branch of an `if`/`else` or `switch`.
    public static func buildEither(second component: [any Layer]) -> [any Layer] { component }
    /// The layers of every iteration of a `for` loop, in order.
    public static func buildArray(_ components: [[any Layer]]) -> [any Layer] { components.flatMap { $0 } }
}
