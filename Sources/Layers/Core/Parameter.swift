import Tensor

/// A weight and its gradient, shared by the layer that owns it, the optimizer, the saver and the
/// gradient checker.
///
/// `name` is the Keras weight name (`kernel`, `recurrent_kernel`, `bias`), so weights map one to
/// one onto a Keras model's. Layers *add* into `gradient` during `backward`; the training loop
/// zeroes it before each batch.
///
/// A non-trainable weight (``isTrainable`` `false`, Keras' `non_trainable_weights`, such as
/// ``BatchNormalization``'s moving statistics) is state the layer itself updates in `forward`:
/// optimizers, ``GradientCheck`` and ``Sequential/gradients(_:_:training:)`` leave it alone, a
/// failed training step restores it, saving and loading keep it, and `summary()` counts it as
/// "Non-trainable params".
public final class Parameter {
    /// The Keras weight name.
    public let name: String
    /// The current value. Keep its shape; ``assign(_:)`` checks it for values from outside.
    public var value: Tensor
    /// The accumulated gradient of the loss with respect to `value`.
    public var gradient: Tensor
    /// Whether optimizers update this parameter (`false` for state a layer updates itself).
    public var isTrainable: Bool

    /// Creates a parameter with a zero gradient.
    public init(name: String, value: Tensor, isTrainable: Bool = true) {
        self.name = name
        self.value = value
        self.gradient = Tensor(zeros: value.shape)
        self.isTrainable = isTrainable
    }

    /// Replaces the value, checking that the shape is unchanged (loading weights).
    /// - Throws: ``LayerError/weightShapeMismatch(parameter:expected:received:)``.
    public func assign(_ newValue: Tensor) throws {
        guard newValue.shape == value.shape else {
            throw LayerError.weightShapeMismatch(parameter: name, expected: value.shape, received: newValue.shape)
        }
        value = newValue
    }

    /// Sets the gradient to zero, keeping its storage.
    public func zeroGradient() {
        gradient.withUnsafeMutableBufferPointer { buffer in
            buffer.update(repeating: 0)
        }
    }

    /// The number of scalars.
    public var count: Int { value.count }
}
