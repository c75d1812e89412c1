// The umbrella module: `import RareEventKit` brings in every public module of the package.
@_exported import Autoencoder
@_exported import Layers
@_exported import Metrics
@_exported import Preprocessing
@_exported import Tensor
