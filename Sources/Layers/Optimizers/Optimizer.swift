import CKernels
import Tensor

/// Updates parameters from their gradients.
///
/// An optimizer keeps per-parameter state (momentum, moments) keyed by the parameter's identity,
/// so one optimizer serves one model. A custom optimizer implements ``update(_:)``; the checks
/// ``validateHyperparameters()`` and ``updateIfFinite(_:)`` have defaults built on it.
///
/// `fit` calls ``validateHyperparameters()`` before it touches any weight (so `compile` itself never
/// throws), and steps with ``updateIfFinite(_:)``, so training stops with
/// ``TrainingError/nonFiniteWeights(parameter:step:epoch:batch:)`` instead of continuing with NaN or
/// infinite weights.
public protocol Optimizer: AnyObject {
    /// The step size.
    var learningRate: Float { get set }
    /// How many update steps have been applied (Keras `iterations`).
    var iterations: Int { get }
    /// Applies one update step to every trainable parameter, whatever values it produces.
    func update(_ parameters: [Parameter])
    /// Throws ``LayerError/invalidTrainingArgument(argument:value:expected:)`` naming the first
    /// hyperparameter that is out of range (a NaN, infinite or negative learning rate, …).
    func validateHyperparameters() throws
    /// Applies one update step only if every updated weight (and optimizer state value) is finite.
    ///
    /// - Returns: `nil` when the step was applied; otherwise the index in `parameters` of the first
    ///   parameter that would have become NaN or infinite, with every weight and the optimizer state
    ///   left as they were before the call (``iterations`` included).
    func updateIfFinite(_ parameters: [Parameter]) -> Int?
}

extension Optimizer {
    /// Checks that ``learningRate`` is finite and not negative.
    public func validateHyperparameters() throws {
        try validateLearningRate(learningRate, optimizer: "\(Self.self)")
    }

    /// The generic check: snapshots the weights, calls ``update(_:)``, scans the weights and puts
    /// them back if any became NaN or infinite. A custom optimizer's own state cannot be restored
    /// this way; ``Adam`` and ``SGD`` override this with an exact, single-pass check.
    public func updateIfFinite(_ parameters: [Parameter]) -> Int? {
        let before = parameters.map(\.value)
        update(parameters)
        guard let bad = parameters.firstIndex(where: { $0.isTrainable && !$0.value.allFinite }) else { return nil }
        for (parameter, value) in zip(parameters, before) { parameter.value = value }
        return bad
    }
}

/// Throws unless `learningRate` is finite and ≥ 0.
func validateLearningRate(_ learningRate: Float, optimizer: String) throws {
    guard learningRate.isFinite, learningRate >= 0 else {
        throw LayerError.invalidTrainingArgument(
            argument: "\(optimizer) learningRate", value: "\(learningRate)",
            expected: "a finite number ≥ 0")
    }
}

extension Tensor {
    /// Whether no element is NaN or infinite (one fast pass).
    var allFinite: Bool { firstNonFiniteIndex == nil }

    /// The row-major position of the first NaN or infinite element, if any.
    var firstNonFiniteIndex: Int? {
        withUnsafeBufferPointer { buffer in
            let index = rek_first_nonfinite(buffer.count, buffer.baseAddress)
            return index < 0 ? nil : index
        }
    }
}
