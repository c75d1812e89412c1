/// A library layer that applies its own activity regularizer, which ``TimeDistributed`` adjusts to
/// Keras 3's rules.
///
/// Keras applies a layer's `activity_regularizer` in `Layer.__call__`, around `call()`. Keras 3's
/// `TimeDistributed` runs the wrapped layer's `call()` once per time step:
/// - the wrapped layer itself adds no activity penalty (Keras 2's did), so ``TimeDistributed``
///   switches it off (``appliesActivityRegularizer``);
/// - layers inside a wrapped model run through `__call__` once per step, each penalty divided by the
///   batch size, so over the steps the penalty is divided by the batch size, not by the folded
///   batch · timesteps this library's layers see (``foldedTimeSteps`` says by how much to correct).
///
/// The layer's configuration keeps its regularizer either way, as Keras' `get_config` does.
protocol ActivityRegularizing: AnyObject {
    /// Whether `forward` adds the activity penalty to ``Layer/regularizationLoss`` and `backward`
    /// its gradient (`true` unless a wrapper turned it off).
    var appliesActivityRegularizer: Bool { get set }
    /// The number of time steps enclosing ``TimeDistributed`` wrappers folded into the batch axis
    /// (1 outside them; set only during their `forward`): the penalty is divided by
    /// `batch / foldedTimeSteps`, the true batch size.
    var foldedTimeSteps: Int { get set }
}
