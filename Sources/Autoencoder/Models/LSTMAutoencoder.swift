import Layers

/// The LSTM autoencoder of the sheet-break article, built from the public `Layers` API.
///
///     LSTM(32, sequences) → LSTM(16) → RepeatVector(timesteps) → LSTM(16, sequences)
///       → LSTM(32, sequences) → TimeDistributed(Dense(features))
///
/// With `timesteps: 5, features: 59` it has 25,243 parameters, like the Keras model.
///
///     let model = try LSTMAutoencoder.make(timesteps: 5, features: 59, activation: .relu, seed: 42)
public enum LSTMAutoencoder {
    /// Builds the model.
    /// - Parameters:
    ///   - timesteps: The window length (the article's lookback, 5).
    ///   - features: The number of features per time step (59 for the sheet-break data).
    ///   - encoderUnits: The encoder LSTM sizes (mirrored by the decoder); `[32, 16]` by default.
    ///   - activation: The LSTM activation; the article uses `.relu`, its seed-002 variant `.tanh`.
    ///   - recurrentActivation: `.sigmoid` (Keras 3) by default; `.hardSigmoid` reproduces Keras 2.
    ///   - seed: Seeds the weight initialization.
    public static func make(
        timesteps: Int, features: Int, encoderUnits: [Int] = [32, 16],
        activation: Activation = .relu, recurrentActivation: Activation = .sigmoid,
        seed: UInt64 = 0
    ) throws -> Sequential {
        try RecurrentAutoencoder.make(
            cell: .lstm, timesteps: timesteps, features: features, encoderUnits: encoderUnits,
            activation: activation, recurrentActivation: recurrentActivation, seed: seed)
    }
}
