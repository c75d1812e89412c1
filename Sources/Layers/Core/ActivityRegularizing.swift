/// A library layer that applies its own activity regularizer, which a wrapper can switch off.
///
/// Keras applies a layer's `activity_regularizer` in `Layer.__call__`, around `call()`. Keras 3's
/// `TimeDistributed` runs the wrapped layer's `call()` directly, so the wrapped layer adds no activity
/// penalty (Keras 2's did); ``TimeDistributed`` matches that by switching the penalty off here. The
/// layer's configuration keeps its regularizer either way, as Keras' `get_config` does.
protocol ActivityRegularizing: AnyObject {
    /// Whether `forward` adds the activity penalty to ``Layer/regularizationLoss`` and `backward`
    /// its gradient (`true` unless a wrapper turned it off).
    var appliesActivityRegularizer: Bool { get set }
}
