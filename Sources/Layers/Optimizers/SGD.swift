import CKernels
import Tensor

/// Stochastic gradient descent with optional (Nesterov) momentum, Keras semantics.
///
///     velocity ← momentum · velocity − lr · g
///     w ← w + velocity                                  (plain momentum)
///     w ← w + momentum · velocity − lr · g              (Nesterov)
///
/// Defaults: learning rate 0.01, momentum 0.
///
/// Like ``Adam``, each step writes to spare buffers that are swapped in only when every new value
/// is finite (``updateIfFinite(_:)``); this keeps a spare copy of each weight (and velocity).
public final class SGD: Optimizer {
    /// The step size.
    public var learningRate: Float
    /// Momentum factor (0 for plain SGD).
    public let momentum: Float
    /// Whether to use Nesterov momentum.
    public let nesterov: Bool
    /// Updates applied so far.
    public private(set) var iterations = 0
    private var states: [ObjectIdentifier: State] = [:]

    /// One parameter's velocity, and the buffers its next step is written to: a step computes new
    /// weights (and velocity) into these and swaps them in only when all are finite.
    private final class State {
        var velocity: [Float], nextVelocity: [Float]
        var nextWeights: Tensor
        init(shape: [Int], count: Int) {
            velocity = [Float](repeating: 0, count: count)
            nextVelocity = velocity
            nextWeights = Tensor(zeros: shape)
        }
    }

    /// Creates an SGD optimizer with Keras' defaults.
    ///
    /// The values are checked by ``validateHyperparameters()`` when `fit` starts, not here.
    public init(learningRate: Float = 0.01, momentum: Float = 0, nesterov: Bool = false) {
        self.learningRate = learningRate
        self.momentum = momentum
        self.nesterov = nesterov
    }

    /// Throws ``LayerError/invalidTrainingArgument(argument:value:expected:)`` unless the learning
    /// rate is finite and ≥ 0 and the momentum is in [0, 1] (as Keras requires).
    public func validateHyperparameters() throws {
        try validateLearningRate(learningRate, optimizer: "SGD")
        guard momentum >= 0, momentum <= 1 else {
            throw LayerError.invalidTrainingArgument(
                argument: "SGD momentum", value: "\(momentum)", expected: "a number in [0, 1]")
        }
    }

    /// Applies one SGD step to every trainable parameter, whatever values it produces.
    public func update(_ parameters: [Parameter]) {
        _ = step(parameters, refusingNonFinite: false)
    }

    /// Applies one SGD step unless a weight (or velocity) would become NaN or infinite; then nothing
    /// changes (weights, velocities, ``iterations``) and the index of the first such parameter is returned.
    public func updateIfFinite(_ parameters: [Parameter]) -> Int? {
        step(parameters, refusingNonFinite: true)
    }

    private func step(_ parameters: [Parameter], refusingNonFinite: Bool) -> Int? {
        let (lr, mu, nesterov) = (learningRate, momentum, nesterov)
        var computed: [(Parameter, State)] = []
        computed.reserveCapacity(parameters.count)
        for (index, parameter) in parameters.enumerated() where parameter.isTrainable {
            let state: State
            // The count check guards against a freed parameter's identifier being reused by a new one.
            if let existing = states[ObjectIdentifier(parameter)], existing.velocity.count == parameter.count {
                state = existing
                if state.nextWeights.shape != parameter.value.shape {
                    state.nextWeights = Tensor(zeros: parameter.value.shape)
                }
            } else {
                state = State(shape: parameter.value.shape, count: parameter.count)
                states[ObjectIdentifier(parameter)] = state
            }
            parameter.gradient.withUnsafeBufferPointer { g in
                parameter.value.withUnsafeBufferPointer { w in
                    state.nextWeights.withUnsafeMutableBufferPointer { newW in
                        guard mu != 0 else {
                            for i in w.indices { newW[i] = w[i] - lr * g[i] }
                            return
                        }
                        state.velocity.withUnsafeBufferPointer { v in
                            state.nextVelocity.withUnsafeMutableBufferPointer { newV in
                                for i in w.indices {
                                    newV[i] = mu * v[i] - lr * g[i]
                                    newW[i] = w[i] + (nesterov ? mu * newV[i] - lr * g[i] : newV[i])
                                }
                            }
                        }
                    }
                }
            }
            let nonFinite =
                !state.nextWeights.allFinite
                || (mu != 0
                    && state.nextVelocity.withUnsafeBufferPointer { rek_first_nonfinite($0.count, $0.baseAddress) } >= 0)
            // Nothing has been swapped in yet, so refusing leaves every weight and velocity as it was.
            if nonFinite, refusingNonFinite { return index }
            computed.append((parameter, state))
        }
        for (parameter, state) in computed {
            swap(&parameter.value, &state.nextWeights)
            if mu != 0 { swap(&state.velocity, &state.nextVelocity) }
        }
        iterations += 1
        return nil
    }
}
