import Tensor

/// A penalty on a layer's output added to the loss (Keras `activity_regularizer`).
///
/// Like Keras 3, the penalty of a batch is divided by the batch size, so it does not grow with it:
/// `l1(λ)` adds `λ · Σ|a| / batchSize`. The gradient of `|a|` at 0 is 0.
public enum Regularizer: Codable, Equatable, Sendable {
    /// `λ · Σ|a|`.
    case l1(Float)
    /// `λ · Σa²`.
    case l2(Float)
    /// `λ₁ · Σ|a| + λ₂ · Σa²`.
    case l1l2(l1: Float, l2: Float)

    private var factors: (l1: Float, l2: Float) {
        switch self {
        case let .l1(value): (value, 0)
        case let .l2(value): (0, value)
        case let .l1l2(l1, l2): (l1, l2)
        }
    }

    /// The penalty for a batch of activations.
    public func loss(_ activations: Tensor) -> Float {
        loss(activations, samples: activations.batchSize)
    }

    /// Adds ∂penalty/∂activation into `gradient`.
    public func addGradient(of activations: Tensor, into gradient: inout Tensor) {
        addGradient(of: activations, into: &gradient, samples: activations.batchSize)
    }

    /// The penalty divided by `samples` instead of the batch size (time steps folded into the batch).
    func loss(_ activations: Tensor, samples: Int) -> Float {
        let (l1, l2) = factors
        var absolute = 0.0
        var squared = 0.0
        activations.withUnsafeBufferPointer { buffer in
            for value in buffer {
                absolute += Double(Swift.abs(value))
                squared += Double(value * value)
            }
        }
        return Float((Double(l1) * absolute + Double(l2) * squared) / Double(samples))
    }

    /// Adds the gradient of ``loss(_:samples:)`` into `gradient`.
    func addGradient(of activations: Tensor, into gradient: inout Tensor, samples: Int) {
        let (l1, l2) = factors
        let scale = 1 / Float(samples)
        gradient.withUnsafeMutableBufferPointer { out in
            activations.withUnsafeBufferPointer { a in
                for i in out.indices {
                    let sign: Float = a[i] > 0 ? 1 : (a[i] < 0 ? -1 : 0)
                    out[i] += scale * (l1 * sign + 2 * l2 * a[i])
                }
            }
        }
    }
}
