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
    private var moments: [ObjectIdentifier: Moments] = [:]

    /// First and second moments of one parameter (a class, so updates happen in place).
    private final class Moments {
        var m: [Float], v: [Float]
        init(count: Int) { (m, v) = ([Float](repeating: 0, count: count), [Float](repeating: 0, count: count)) }
    }

    /// Creates an Adam optimizer with Keras' defaults.
    public init(learningRate: Float = 1e-3, beta1: Float = 0.9, beta2: Float = 0.999, epsilon: Float = 1e-7) {
        self.learningRate = learningRate
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
    }

    public func update(_ parameters: [Parameter]) {
        iterations += 1
        let t = Double(iterations)
        let correction = Float(Double(learningRate) * (1 - pow(Double(beta2), t)).squareRoot() / (1 - pow(Double(beta1), t)))
        for parameter in parameters where parameter.isTrainable {
            let state: Moments
            // The count check guards against a freed parameter's identifier being reused by a new one.
            if let existing = moments[ObjectIdentifier(parameter)], existing.m.count == parameter.count {
                state = existing
            } else {
                state = Moments(count: parameter.count)
                moments[ObjectIdentifier(parameter)] = state
            }
            parameter.gradient.withUnsafeBufferPointer { g in
                parameter.value.withUnsafeMutableBufferPointer { w in
                    rek_adam_update(w.count, w.baseAddress, g.baseAddress, &state.m, &state.v,
                                    correction, 1 - beta1, 1 - beta2, epsilon)
                }
            }
        }
    }
}

/// `base` raised to an integer-valued power `exponent` by repeated squaring (no libm needed).
private func pow(_ base: Double, _ exponent: Double) -> Double {
    var result = 1.0, factor = base, n = Int(exponent)
    while n > 0 {
        if n & 1 == 1 { result *= factor }
        factor *= factor
        n >>= 1
    }
    return result
}
