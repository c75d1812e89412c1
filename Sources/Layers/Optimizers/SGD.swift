import Tensor

/// Stochastic gradient descent with optional (Nesterov) momentum, Keras semantics.
///
///     velocity ← momentum · velocity − lr · g
///     w ← w + velocity                                  (plain momentum)
///     w ← w + momentum · velocity − lr · g              (Nesterov)
///
/// Defaults: learning rate 0.01, momentum 0.
public final class SGD: Optimizer {
    /// The step size.
    public var learningRate: Float
    /// Momentum factor (0 for plain SGD).
    public let momentum: Float
    /// Whether to use Nesterov momentum.
    public let nesterov: Bool
    /// Updates applied so far.
    public private(set) var iterations = 0
    private var velocities: [ObjectIdentifier: [Float]] = [:]

    /// Creates an SGD optimizer with Keras' defaults.
    public init(learningRate: Float = 0.01, momentum: Float = 0, nesterov: Bool = false) {
        self.learningRate = learningRate
        self.momentum = momentum
        self.nesterov = nesterov
    }

    public func update(_ parameters: [Parameter]) {
        iterations += 1
        let (lr, mu) = (learningRate, momentum)
        for parameter in parameters where parameter.isTrainable {
            guard mu != 0 else {
                parameter.gradient.withUnsafeBufferPointer { g in
                    parameter.value.withUnsafeMutableBufferPointer { w in for i in w.indices { w[i] -= lr * g[i] } }
                }
                continue
            }
            let key = ObjectIdentifier(parameter)
            // The count check guards against a freed parameter's identifier being reused by a new one.
            var velocity = velocities[key].flatMap { $0.count == parameter.count ? $0 : nil }
                ?? [Float](repeating: 0, count: parameter.count)
            velocities[key] = nil  // keep the array uniquely referenced while it is updated in place
            velocity.withUnsafeMutableBufferPointer { v in
                parameter.gradient.withUnsafeBufferPointer { g in
                    parameter.value.withUnsafeMutableBufferPointer { w in
                        for i in w.indices {
                            v[i] = mu * v[i] - lr * g[i]
                            w[i] += nesterov ? mu * v[i] - lr * g[i] : v[i]
                        }
                    }
                }
            }
            velocities[key] = velocity
        }
    }
}
