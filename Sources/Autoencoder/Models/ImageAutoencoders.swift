import Layers

/// The basic image autoencoder of TensorFlow's autoencoder tutorial (Fashion-MNIST).
///
///     28×28 → Flatten → Dense 64 relu → Dense 784 sigmoid → Reshape 28×28
///
/// 101,200 parameters for 28×28 images, like the Keras model. Train it on pixels scaled to [0, 1]
/// with MSE.
public enum BasicImageAutoencoder {
    /// Builds the model.
    /// - Parameters:
    ///   - imageShape: `[height, width]` of the images.
    ///   - latentDimension: The code size (the tutorial's 64).
    ///   - seed: Seeds the weight initialization.
    public static func make(imageShape: [Int] = [28, 28], latentDimension: Int = 64, seed: UInt64 = 0) throws
        -> Sequential
    {
        try Sequential(inputShape: imageShape, seed: seed) {
            Flatten()
            Dense(units: latentDimension, activation: .relu)
            Dense(units: imageShape.reduce(1, *), activation: .sigmoid)
            Reshape(targetShape: imageShape)
        }
    }
}

/// The denoising convolutional autoencoder of TensorFlow's autoencoder tutorial: an encoder and a
/// decoder, each a nested ``Layers/Sequential`` that can also be called alone (`model.layers[0]` is the
/// encoder).
///
///     encoder: 28×28×1 → Conv2D 16 3×3 stride 2 same relu → Conv2D 8 3×3 stride 2 same relu   (1,320 params)
///     decoder: 7×7×8 → Conv2DTranspose 8 3×3 stride 2 same relu → Conv2DTranspose 16 … → Conv2D 1 3×3 same sigmoid
///                                                                                            (1,897 params)
///
/// Train it on noisy images (`clip(x + 0.2·N(0, 1), 0, 1)`) against the clean ones, with MSE.
public enum DenoisingAutoencoder {
    /// Builds the model: the encoder's weights come from `seed`, the decoder's from `seed + 1`.
    /// - Parameters:
    ///   - imageShape: `[height, width, channels]`, height and width multiples of 4.
    ///   - seed: Seeds the encoder's weight initialization; the decoder uses `seed + 1`.
    public static func make(imageShape: [Int] = [28, 28, 1], seed: UInt64 = 0) throws -> Sequential {
        let encoder = try Sequential(inputShape: imageShape, seed: seed, name: "encoder") {
            Conv2D(filters: 16, kernelSize: 3, strides: 2, padding: .same, activation: .relu)
            Conv2D(filters: 8, kernelSize: 3, strides: 2, padding: .same, activation: .relu)
        }
        let decoder = try Sequential(inputShape: encoder.outputShape, seed: seed &+ 1, name: "decoder") {
            Conv2DTranspose(filters: 8, kernelSize: 3, strides: 2, padding: .same, activation: .relu)
            Conv2DTranspose(filters: 16, kernelSize: 3, strides: 2, padding: .same, activation: .relu)
            Conv2D(filters: imageShape.last ?? 1, kernelSize: 3, padding: .same, activation: .sigmoid)
        }
        return try Sequential(inputShape: imageShape, seed: seed &+ 2) {
            encoder
            decoder
        }
    }
}
