/// The size limits layers and models check, with overflow-checked arithmetic, before they allocate.
///
/// `Sequential.add(_:)` (and so every model built or loaded) throws
/// ``LayerError/tooLarge(layer:tensor:size:limit:)`` instead of crashing or exhausting memory when
/// a weight or one sample's activation would hold more than ``maximumElementCount`` elements, or
/// when its size overflows `Int`. Loading a saved model also bounds the nesting of models.
public enum SizeLimit {
    /// The most elements one weight, one sample's input or one sample's output may hold: `Int32.max`
    /// (2,147,483,647 elements, 8 GiB of `Float`).
    public static let maximumElementCount = Int(Int32.max)
    /// The deepest nesting of models (and `TimeDistributed` wrappers) a saved `config.json` may hold.
    public static let maximumNestingDepth = 32

    /// The element count of `shape`, checked against ``maximumElementCount``.
    /// - Throws: ``LayerError/tooLarge(layer:tensor:size:limit:)`` naming `layer` and `tensor`.
    @discardableResult
    static func check(_ shape: [Int], layer: String, tensor: String) throws -> Int {
        guard let count = checkedProduct(shape), count <= maximumElementCount else {
            throw LayerError.tooLarge(layer: layer, tensor: tensor, size: "\(shape)", limit: maximumElementCount)
        }
        return count
    }

    /// `factor · value`, checked against ``maximumElementCount`` (`4 · units` of an LSTM's gates).
    /// - Throws: ``LayerError/tooLarge(layer:tensor:size:limit:)``.
    static func scaled(_ value: Int, by factor: Int, layer: String, tensor: String) throws -> Int {
        let (product, overflow) = value.multipliedReportingOverflow(by: factor)
        guard !overflow, value >= 0, product <= maximumElementCount else {
            throw LayerError.tooLarge(
                layer: layer, tensor: tensor, size: "\(factor) × \(value)", limit: maximumElementCount)
        }
        return product
    }
}
