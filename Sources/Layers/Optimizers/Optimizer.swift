import Tensor

/// Updates parameters from their gradients.
///
/// An optimizer keeps per-parameter state (momentum, moments) keyed by the parameter's identity,
/// so one optimizer serves one model. Subtypes implement only the update of a single parameter.
public protocol Optimizer: AnyObject {
    /// The step size.
    var learningRate: Float { get set }
    /// How many update steps have been applied (Keras `iterations`).
    var iterations: Int { get }
    /// Applies one update step to every trainable parameter.
    func update(_ parameters: [Parameter])
}
