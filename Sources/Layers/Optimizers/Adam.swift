import CKernels
import Tensor

/// Adam with Keras' exact update rule and defaults.
///
///     m ← m + (g − m)(1 − β₁)          v ← v + (g² − v)(1 − β₂)
///     w ← w − lr · √(1 − β₂ᵗ)/(1 − β₁ᵗ) · m / (√v + ε)
///
/// ε is added to √v, not to the bias-corrected √v̂ (this is Keras', not PyTorch's, placement).
/// Defaults: learning rate 1e-3, β₁ 0.9, β₂ 0.999, ε 1e-7.
///
///     model.compile(optimizer: Adam(learningRate: 1e-4), loss: .meanSquaredError)
///
/// Each step writes the new weights and moments to a second set of buffers and swaps them in only
/// when all are finite (``updateIfFinite(_:)``), so a refused step leaves the model and the optimizer
/// exactly as they were. That costs memory: five floats per weight (moments, and the spare weights
/// and moments) instead of two.
public final class Adam: Optimizer {
    /// The step size.
    public var learningRate: Float
    /// Decay of the first-moment estimate.
    public let beta1: Float
    /// Decay of the second-moment estimate.
    public let beta2: Float
    /// Added to √v (Keras 1e-7).
    public let epsilon: Float
    /// Updates applied so far.
    public private(set) var iterations = 0
    private var states: [ObjectIdentifier: State] = [:]

    /// One parameter's moments, and the buffers its next step is written to: a step computes new
    /// weights and moments into these, and swaps them in only when all are finite (a class, so the
    /// buffers are reused in place).
    private final class State {
        var m: [Float], v: [Float]
        var nextM: [Float], nextV: [Float]
        var nextWeights: Tensor
        init(shape: [Int], count: Int) {
            (m, v) = ([Float](repeating: 0, count: count), [Float](repeating: 0, count: count))
            (nextM, nextV) = (m, v)
            nextWeights = Tensor(zeros: shape)
        }
    }

    /// Creates an Adam optimizer with Keras' defaults.
    ///
    /// The values are checked by ``validateHyperparameters()`` when `fit` starts, not here.
    public init(learningRate: Float = 1e-3, beta1: Float = 0.9, beta2: Float = 0.999, epsilon: Float = 1e-7) {
        self.learningRate = learningRate
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
    }

    /// Throws ``LayerError/invalidTrainingArgument(argument:value:expected:)`` unless the learning
    /// rate is finite and ≥ 0, `beta1` and `beta2` are in [0, 1) and `epsilon` is finite and > 0.
    public func validateHyperparameters() throws {
        try validateLearningRate(learningRate, optimizer: "Adam")
        for (name, beta) in [("beta1", beta1), ("beta2", beta2)] where !(beta >= 0 && beta < 1) {
            throw LayerError.invalidTrainingArgument(
                argument: "Adam \(name)", value: "\(beta)", expected: "a number in [0, 1)")
        }
        guard epsilon.isFinite, epsilon > 0 else {
            throw LayerError.invalidTrainingArgument(
                argument: "Adam epsilon", value: "\(epsilon)", expected: "a finite number > 0")
        }
    }

    /// Applies one Adam step to every trainable parameter, whatever values it produces.
    public func update(_ parameters: [Parameter]) {
        _ = step(parameters, refusingNonFinite: false)
    }

    /// Applies one Adam step unless a weight or moment would become NaN or infinite; then nothing
    /// changes (weights, moments, ``iterations``) and the index of the first such parameter is
    /// returned. The check is folded into the update pass (`rek_adam_update`), so it costs no extra pass.
    public func updateIfFinite(_ parameters: [Parameter]) -> Int? {
        step(parameters, refusingNonFinite: true)
    }

    private func step(_ parameters: [Parameter], refusingNonFinite: Bool) -> Int? {
        let t = Double(iterations + 1)
        let correction = Float(
            Double(learningRate) * (1 - pow(Double(beta2), t)).squareRoot() / (1 - pow(Double(beta1), t)))
        var computed: [(Parameter, State)] = []
        computed.reserveCapacity(parameters.count)
        for (index, parameter) in parameters.enumerated() where parameter.isTrainable {
            let state: State
            // The count check guards against a freed parameter's identifier being reused by a new one.
            if let existing = states[ObjectIdentifier(parameter)], existing.m.count == parameter.count {
                state = existing
                if state.nextWeights.shape != parameter.value.shape {
                    state.nextWeights = Tensor(zeros: parameter.value.shape)
                }
            } else {
                state = State(shape: parameter.value.shape, count: parameter.count)
                states[ObjectIdentifier(parameter)] = state
            }
            let nonFinite = parameter.gradient.withUnsafeBufferPointer { g in
                parameter.value.withUnsafeBufferPointer { w in
                    state.nextWeights.withUnsafeMutableBufferPointer { newW in
                        rek_adam_update(
                            w.count, w.baseAddress, g.baseAddress, state.m, state.v,
                            newW.baseAddress, &state.nextM, &state.nextV,
                            correction, 1 - beta1, 1 - beta2, epsilon)
                    }
                }
            }
            // Nothing has been swapped in yet, so refusing leaves every weight and moment as it was.
            if nonFinite != 0, refusingNonFinite { return index }
            computed.append((parameter, state))
        }
        for (parameter, state) in computed {
            swap(&parameter.value, &state.nextWeights)
            swap(&state.m, &state.nextM)
            swap(&state.v, &state.nextV)
        }
        iterations += 1
        return nil
    }
}

/// `base` raised to an integer-valued power `exponent` by repeated squaring (no libm needed).
private func pow(_ base: Double, _ exponent: Double) -> Double {
    var result = 1.0
    var factor = base
    var n = Int(exponent)
    while n > 0 {
        if n & 1 == 1 { result *= factor }
        factor *= factor
        n >>= 1
    }
    return result
}
