// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "RareEventKit",
    // Apple systems: the layer registry's lock is Synchronization.Mutex (macOS 15, iOS 18).
    platforms: [.macOS(.v15), .iOS(.v18)],
    products: [
        // MARK: Public API
        .library(name: "RareEventKit", targets: ["RareEventKit"]),
        .library(name: "Tensor", targets: ["Tensor"]),
        .library(name: "Layers", targets: ["Layers"]),
        .library(name: "Preprocessing", targets: ["Preprocessing"]),
        .library(name: "Metrics", targets: ["Metrics"]),
        .library(name: "Autoencoder", targets: ["Autoencoder"]),
        // MARK: Examples
        .executable(name: "sheet-break", targets: ["sheet-break"]),
        .executable(name: "ecg", targets: ["ecg"]),
        .executable(name: "fashion-mnist", targets: ["fashion-mnist"]),
        .executable(name: "benchmark", targets: ["benchmark"]),
        .executable(name: "monitor", targets: ["monitor"]),
        .executable(name: "nab", targets: ["nab"]),
    ],
    targets: [
        // MARK: Library modules
        .target(name: "CKernels", path: "Sources/CKernels",
                linkerSettings: [.linkedLibrary("m", .when(platforms: [.linux]))]),
        .target(name: "Tensor", dependencies: ["CKernels"]),
        .target(name: "FileFormats"),
        .target(name: "Layers", dependencies: ["Tensor", "CKernels", "FileFormats"]),
        .target(name: "Preprocessing", dependencies: ["Tensor", "FileFormats"]),
        .target(name: "Metrics", dependencies: ["FileFormats"]),
        .target(name: "Autoencoder", dependencies: ["Layers", "Preprocessing", "Metrics"]),
        .target(name: "RareEventKit", dependencies: ["Tensor", "Layers", "Preprocessing", "Metrics", "Autoencoder"]),

        // MARK: Examples
        .target(name: "ExampleSupport", dependencies: ["RareEventKit", "FileFormats"], path: "Examples/ExampleSupport"),
        .executableTarget(name: "sheet-break", dependencies: ["RareEventKit", "ExampleSupport"], path: "Examples/SheetBreak"),
        .executableTarget(name: "ecg", dependencies: ["RareEventKit", "ExampleSupport"], path: "Examples/ECG"),
        .executableTarget(name: "fashion-mnist", dependencies: ["RareEventKit", "ExampleSupport"], path: "Examples/FashionMNIST"),
        .executableTarget(name: "benchmark", dependencies: ["RareEventKit", "ExampleSupport"], path: "Examples/Benchmark"),
        .executableTarget(name: "monitor", dependencies: ["RareEventKit", "ExampleSupport"], path: "Examples/Monitor"),
        .executableTarget(name: "nab", dependencies: ["RareEventKit", "ExampleSupport"], path: "Examples/NAB"),
        // Trains and checkpoints forever; Tests/FuzzTests kills it with SIGKILL to check checkpoints stay loadable.
        .executableTarget(name: "checkpoint-torture", dependencies: ["Layers", "Tensor"], path: "Examples/Reliability/CheckpointTorture"),

        // MARK: Tests
        .target(name: "TestSupport", dependencies: ["Tensor"], path: "Tests/TestSupport"),
        .testTarget(name: "TensorTests", dependencies: ["Tensor", "TestSupport"]),
        .testTarget(name: "FileFormatsTests", dependencies: ["FileFormats", "TestSupport"], resources: [.copy("Fixtures")]),
        .testTarget(name: "LayersTests", dependencies: ["Layers", "FileFormats", "TestSupport"], resources: [.copy("Fixtures")]),
        .testTarget(name: "PreprocessingTests", dependencies: ["Preprocessing", "TestSupport"], resources: [.copy("Fixtures")]),
        .testTarget(name: "MetricsTests", dependencies: ["Metrics", "TestSupport"], resources: [.copy("Fixtures")]),
        .testTarget(name: "AutoencoderTests", dependencies: ["Autoencoder", "RareEventKit", "ExampleSupport", "TestSupport"]),
        // Plays "another package": uses only the public API to define, check and train its own layer.
        .testTarget(name: "ExtensionTests", dependencies: ["RareEventKit", "TestSupport"]),
        // Seeded, deterministic fuzzing of every input the library reads: CSV text, model folders,
        // command lines. REK_FUZZ_SCALE=N runs N times as many inputs.
        .testTarget(name: "FuzzTests", dependencies: ["Preprocessing", "Layers", "ExampleSupport", "TestSupport"]),
    ],
    swiftLanguageModes: [.v6]
)
