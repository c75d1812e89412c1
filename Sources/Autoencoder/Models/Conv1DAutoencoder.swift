import Layers

/// A 1-D convolutional autoencoder for windows of sensor rows: "same" convolutions along time, a
/// narrow middle, and a linear convolution back to the features.
///
///     Conv1D(32, k, same, relu) → Conv1D(16, k, same, relu) → Conv1D(32, k, same, relu)
///       → Conv1D(features, k, same)
///
/// It keeps the window length (no pooling, so any lookback works, odd ones too). With
/// `timesteps: 5, features: 59` and `kernelSize: 3` it has 14,539 parameters, like the same Keras model.
///
///     let model = try Conv1DAutoencoder.make(timesteps: 5, features: 59, seed: 1)
public enum Conv1DAutoencoder {
    /// Builds the model.
    /// - Parameters:
    ///   - timesteps: The window length.
    ///   - features: The number of features per time step (59 for the sheet-break data).
    ///   - encoderFilters: The encoder's filter counts (mirrored by the decoder); `[32, 16]` by default.
    ///   - kernelSize: The convolutions' window along time; 3 by default.
    ///   - activation: The hidden convolutions' activation; `.relu` by default.
    ///   - seed: Seeds the weight initialization.
    /// - Throws: ``Layers/LayerError`` when the sizes are not positive.
    public static func make(
        timesteps: Int, features: Int, encoderFilters: [Int] = [32, 16], kernelSize: Int = 3,
        activation: Activation = .relu, seed: UInt64 = 0
    ) throws -> Sequential {
        let model = Sequential(inputShape: [timesteps, features], seed: seed)
        for filters in encoderFilters + encoderFilters.dropLast().reversed() {
            try model.add(Conv1D(filters: filters, kernelSize: kernelSize, padding: .same, activation: activation))
        }
        try model.add(Conv1D(filters: features, kernelSize: kernelSize, padding: .same))
        return model
    }
}
