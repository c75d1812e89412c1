import Foundation
import TestSupport

/// Tests/FileFormatsTests/Fixtures/manifest.json and the files it lists, written by
/// scripts/make_gzip_fixtures.py (GNU gzip and Python's gzip and zlib modules as the encoders).
struct GzipFixtures: Decodable {
    struct Input: Decodable {
        var size: Int
        var sha256: String
        var crc32: UInt32
    }
    struct File: Decodable, Sendable {
        var file: String
        var input: String
        var format: String
        var tool: String
        var level: Int
    }
    var inputs: [String: Input]
    var files: [File]

    static let shared = try! loadFixture(GzipFixtures.self, named: "manifest", in: Bundle.module)

    /// The bytes of `Fixtures/<name>`.
    static func data(_ name: String) throws -> Data {
        guard let resources = Bundle.module.resourceURL else { throw CocoaError(.fileNoSuchFile) }
        let url = resources.appendingPathComponent("Fixtures").appendingPathComponent(name)
        return try Data(contentsOf: url)
    }

    /// The uncompressed bytes of a manifest input.
    static func input(_ name: String) throws -> [UInt8] {
        switch name {
        case "empty": []
        case "text": Array(try data("text.txt"))
        case "random": Array(try data("random.bin"))
        case "large": largeInput()
        case "text+random": try input("text") + input("random")
        default: throw CocoaError(.fileNoSuchFile)
        }
    }

    /// `large_input()` of make_gzip_fixtures.py: 66,013 bytes of repetitive lines.
    static func largeInput() -> [UInt8] {
        let words = ["alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel"]
        var text = ""
        var i = 0
        while text.utf8.count < 66_000 {
            let number = i % 64 < 10 ? "0\(i % 64)" : "\(i % 64)"
            text += "line \(number): \(words[i % 8]) \(words[(i / 8) % 8]) \(i % 7)\n"
            i += 1
        }
        return Array(text.utf8)
    }
}
