import Tensor

extension Tensor {
    /// The tensor plus `standardDeviation · N(0, 1)` noise per element, clipped to `range`: the noisy
    /// inputs of a denoising autoencoder (TensorFlow's tutorial uses `clip(x + 0.2·N(0, 1), 0, 1)`).
    ///
    ///     let noisy = images.addingGaussianNoise(standardDeviation: 0.2, using: &generator)
    ///
    /// - Parameters:
    ///   - standardDeviation: The noise's standard deviation.
    ///   - range: The interval results are clipped to; `nil` leaves them unclipped.
    ///   - generator: The seeded source of the noise (the same seed gives the same noise).
    public func addingGaussianNoise<G: RandomNumberGenerator>(
        standardDeviation: Float, clippedTo range: ClosedRange<Float>? = 0...1,
        using generator: inout G
    ) -> Tensor {
        var noisy = self
        noisy.withUnsafeMutableBufferPointer { values in
            for index in values.indices {
                let value = values[index] + standardDeviation * generator.normal()
                values[index] = range.map { Swift.min($0.upperBound, Swift.max($0.lowerBound, value)) } ?? value
            }
        }
        return noisy
    }
}
