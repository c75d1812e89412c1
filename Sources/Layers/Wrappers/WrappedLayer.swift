/// The layer a wrapper's saved configuration describes (``TimeDistributed``, ``Bidirectional``), built
/// through the registry after `check` passes. While a model loads, a failure is reported at the
/// wrapper's `layer` key (`layer.config.…` for one inside the inner configuration); weight-file errors
/// pass through unchanged.
func makeWrappedLayer(from description: LayerDescription, check: () throws -> Void = {}) throws -> any Layer {
    do {
        try check()
        return try LayerRegistry.makeLayer(from: description)
    } catch let error as ConfigurationFailure {
        throw error.inside("layer.config.")
    } catch let error as SavingError {
        throw error
    } catch  where WeightLoadingScope.current != nil {
        throw ConfigurationFailure(key: "layer", error: error)
    }
}
