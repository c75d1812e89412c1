import Foundation
import TestSupport

/// Tests/FileFormatsTests/Fixtures/hdf5_manifest.json, written by scripts/make_hdf5_fixtures.py: what
/// zipfile and h5py read from the Keras and h5py files next to it.
struct HDF5Manifest: Decodable {
    struct ZIPFile: Decodable {
        struct Member: Decodable {
            var name: String
            var method: Int
            var size: Int
            var crc32: UInt32
            var shaPrefix: [UInt8]
        }
        var file: String
        var members: [Member]
    }
    /// An attribute's or dataset's value: `kind` is "float32", "int64", "string", "vlen string", ...
    struct Value: Decodable {
        var name: String?
        var path: String?
        var kind: String?
        var shape: [Int]
        var floats: [Double]?
        var ints: [Int64]?
        var strings: [String]?
        var attributes: [Value]?
        var unsupported: Bool?
    }
    struct Group: Decodable {
        var path: String
        var children: [String]
        var attributes: [Value]
    }
    struct HDF5: Decodable {
        var file: String
        var groups: [Group]
        var datasets: [Value]
    }
    var zips: [ZIPFile]
    var hdf5: [HDF5]

    static let shared = try! loadFixture(HDF5Manifest.self, named: "hdf5_manifest", in: Bundle.module)

    /// The bytes of `Fixtures/<name>`.
    static func bytes(_ name: String) throws -> [UInt8] {
        Array(try GzipFixtures.data(name))
    }
}
