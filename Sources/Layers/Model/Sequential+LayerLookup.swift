extension Sequential {
    /// The layer called `name`, or `nil` when the model has none (Keras `model.get_layer(name)`).
    ///
    /// A path with `/` looks inside nested models, as weight paths do: `"encoder/conv2d"` is the layer
    /// `conv2d` of the nested model `encoder`. Keras raises `ValueError` for an unknown name; here a
    /// missing layer is an ordinary outcome, so the result is optional.
    ///
    /// ```swift
    /// let encoder = try Sequential(inputShape: [28, 28, 1], name: "encoder") {
    ///     Conv2D(filters: 16, kernelSize: 3, strides: 2, padding: .same, activation: .relu)
    /// }
    /// let model = try Sequential(inputShape: [28, 28, 1]) { encoder; Flatten(); Dense(units: 1) }
    /// model.layer(named: "dense")            // the Dense layer
    /// model.layer(named: "encoder/conv2d")   // the Conv2D inside `encoder`
    /// model.layer(named: "lstm")             // nil
    /// ```
    ///
    /// Cast the result to use a layer's own API: `model.layer(named: "dense") as? Dense`.
    /// - Parameter name: A layer name, or a `/`-separated path through nested models.
    /// - Returns: The layer (the same instance the model runs, not a copy), or `nil`.
    public func layer(named name: String) -> (any Layer)? {
        var model = self
        var components = name.split(separator: "/", omittingEmptySubsequences: false)[...]
        while let first = components.popFirst() {
            guard let layer = model.layers.first(where: { $0.name == first }) else { return nil }
            if components.isEmpty { return layer }
            guard let nested = layer as? Sequential else { return nil }
            model = nested
        }
        return nil
    }
}
