import Layers

/// The dense autoencoder of the sheet-break article, built from the public `Layers` API.
///
///     features → Dense 32 relu (L1 activity 1e-3) → 16 relu → 16 relu → 32 relu → features linear
///
/// With 59 features it has 5,779 parameters, like the Keras model.
public enum DenseAutoencoder {
    /// Builds the model.
    /// - Parameters:
    ///   - features: The number of input features (59 for the sheet-break data).
    ///   - encoderUnits: Encoder sizes; the decoder mirrors them (`[32, 16]` → 32, 16, 16, 32).
    ///   - activityRegularizer: Applied to the first layer's output; the article uses L1 1e-3.
    ///   - seed: Seeds the weight initialization.
    public static func make(
        features: Int, encoderUnits: [Int] = [32, 16],
        activityRegularizer: Regularizer? = .l1(1e-3), seed: UInt64 = 0
    ) throws -> Sequential {
        let model = Sequential(inputShape: [features], seed: seed)
        for (index, units) in (encoderUnits + encoderUnits.reversed()).enumerated() {
            try model.add(
                Dense(units: units, activation: .relu, activityRegularizer: index == 0 ? activityRegularizer : nil))
        }
        try model.add(Dense(units: features))
        return model
    }
}

/// The ECG5000 autoencoder of the TensorFlow anomaly-detection tutorial.
///
///     140 → 32 relu → 16 relu → 8 relu → 16 relu → 32 relu → 140 sigmoid
///
/// The sigmoid output matches inputs scaled to [0, 1]. Train it with MAE loss.
public enum ECGAutoencoder {
    /// Builds the model.
    public static func make(features: Int = 140, encoderUnits: [Int] = [32, 16, 8], seed: UInt64 = 0) throws
        -> Sequential
    {
        let model = Sequential(inputShape: [features], seed: seed)
        for units in encoderUnits { try model.add(Dense(units: units, activation: .relu)) }
        for units in encoderUnits.reversed().dropFirst() { try model.add(Dense(units: units, activation: .relu)) }
        try model.add(Dense(units: features, activation: .sigmoid))
        return model
    }
}
