import Foundation
import Tensor

/// A JSON tensor as the fixture scripts write it: `{"shape": [...], "data": [...]}`.
public struct FixtureTensor: Codable, Sendable {
    public var shape: [Int]
    public var data: [Float]

    /// The fixture as a `Tensor`.
    public var tensor: Tensor { Tensor(shape: shape, scalars: data) }
}

/// Loads and decodes `Fixtures/<name>.json` from a test bundle; the scripts write snake_case keys,
/// decoded into camelCase properties.
public func loadFixture<T: Decodable>(_ type: T.Type, named name: String, in bundle: Bundle) throws -> T {
    guard let url = bundle.url(forResource: name, withExtension: "json", subdirectory: "Fixtures") else {
        throw CocoaError(.fileNoSuchFile, userInfo: [NSFilePathErrorKey: "Fixtures/\(name).json"])
    }
    let decoder = JSONDecoder()
    decoder.keyDecodingStrategy = .convertFromSnakeCase
    return try decoder.decode(T.self, from: Data(contentsOf: url))
}
