/// The checks LayerNormalization and BatchNormalization share: the features axis (only the last
/// one is supported), a positive epsilon and a non-empty features axis.
enum NormalizationChecks {
    /// The number of features (the last axis) of `inputShape` (batch axis excluded), after checking
    /// that `axis` names the last axis and `epsilon` is finite and positive.
    /// - Throws: ``LayerError/invalidArgument(layer:argument:value:expected:)`` for another axis or a
    ///   bad epsilon, ``LayerError/incompatibleInput(layer:expected:received:)`` for an input without
    ///   features.
    static func features(of inputShape: [Int], axis: Int, epsilon: Float, layer: String) throws -> Int {
        // Keras counts the batch axis: for samples of rank r, the last axis is -1 or r.
        guard axis == -1 || (axis == inputShape.count && axis > 0) else {
            throw LayerError.invalidArgument(
                layer: layer, argument: "axis", value: "\(axis)",
                expected: "-1 (the last axis, the only one supported; \(inputShape.count) with the batch axis counted)")
        }
        guard epsilon.isFinite, epsilon > 0 else {
            throw LayerError.invalidArgument(
                layer: layer, argument: "epsilon", value: "\(epsilon)", expected: "a finite number > 0")
        }
        guard let features = inputShape.last, features > 0 else {
            throw LayerError.incompatibleInput(
                layer: layer, expected: "[…, features] with features > 0", received: inputShape)
        }
        return features
    }
}
