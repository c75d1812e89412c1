import FileFormats
import Foundation
import Testing

/// ZIPArchive against archives written by Keras 3 (stored members) and Python's zipfile (deflated).
@Suite struct ZIPTests {
    @Test(arguments: HDF5Manifest.shared.zips.map(\.file))
    func readsEveryMemberAsZipfileDoes(file: String) throws {
        let expected = try #require(HDF5Manifest.shared.zips.first { $0.file == file })
        let archive = try ZIPArchive(bytes: HDF5Manifest.bytes(file))
        #expect(archive.members.map(\.name) == expected.members.map(\.name))
        for member in expected.members {
            let found = try #require(archive.member(named: member.name))
            #expect(found.method == member.method, "\(file)/\(member.name)")
            #expect(found.crc32 == member.crc32)
            let contents = try archive.contents(of: member.name)
            #expect(contents.count == member.size, "\(file)/\(member.name)")
            #expect(Array(contents.prefix(16)) == member.shaPrefix, "\(file)/\(member.name)")
        }
    }

    @Test func kerasArchivesStoreTheirMembers() throws {
        for file in ["dense.keras", "lstm.keras"] {
            let archive = try ZIPArchive(bytes: HDF5Manifest.bytes(file))
            #expect(Set(archive.members.map(\.name)) == ["metadata.json", "config.json", "model.weights.h5"])
            #expect(archive.members.allSatisfy { $0.method == 0 })
            let range = try archive.storedRange(of: "model.weights.h5")
            #expect(Array(archive.bytes[range]) == (try archive.contents(of: "model.weights.h5")))
        }
    }

    @Test func theWeightsMemberIsTheWeightsFile() throws {
        let archive = try ZIPArchive(bytes: HDF5Manifest.bytes("dense.keras"))
        #expect((try archive.contents(of: "model.weights.h5")) == (try HDF5Manifest.bytes("dense.weights.h5")))
    }

    @Test func deflatedMembersAndTheCommentAreRead() throws {
        let archive = try ZIPArchive(bytes: HDF5Manifest.bytes("deflated.zip"))
        #expect(archive.comment == "made by make_hdf5_fixtures.py")
        #expect(archive.member(named: "dir/")?.isDirectory == true)
        #expect(String(decoding: try archive.contents(of: "stored.txt"), as: UTF8.self) == "stored bytes\n")
        #expect((try archive.contents(of: "dir/weights.h5")) == (try HDF5Manifest.bytes("dense.weights.h5")))
        #expect(throws: FileFormatError.self) { try archive.storedRange(of: "dir/weights.h5") }
        #expect(throws: FileFormatError.self) { try archive.contents(of: "config.json", maximumSize: 10) }
    }

    @Test func aMissingMemberIsNotFound() throws {
        let archive = try ZIPArchive(bytes: HDF5Manifest.bytes("dense.keras"))
        #expect {
            try archive.contents(of: "nothing.json")
        } throws: { error in
            guard case .notFound(_, let name) = error as? FileFormatError else { return false }
            return name.contains("nothing.json")
        }
    }

    @Test func notAnArchiveIsMalformedOrTruncated() {
        #expect(throws: FileFormatError.truncated(offset: 3, expected: "a 22-byte end-of-central-directory record")) {
            try ZIPArchive(bytes: [1, 2, 3])
        }
        #expect(throws: FileFormatError.self) { try ZIPArchive(bytes: [UInt8](repeating: 0, count: 100)) }
    }

    @Test func zip64IsUnsupported() throws {
        // An empty archive whose end record says "see the ZIP64 record" (0xFFFF entries).
        let end: [UInt8] = [0x50, 0x4B, 5, 6, 0, 0, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]
        #expect {
            try ZIPArchive(bytes: end)
        } throws: { error in
            guard case .unsupported = error as? FileFormatError else { return false }
            return true
        }
    }
}
