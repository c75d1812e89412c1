import FileFormats
import Foundation
import Testing

/// Damaged ZIP archives and HDF5 files must give a value or a `FileFormatError`, never a crash, an
/// out-of-bounds read or a hang: every truncation of each fixture and 1000 (HDF5) or 2000 (ZIP) random byte flips.
@Suite struct ContainerCorruptionTests {
    /// The most seconds one damaged input may take before it counts as a hang (generous: the machine
    /// may be busy; a real hang never ends).
    static let timeLimit = 10.0

    /// Reads everything the manifest lists from the HDF5 file `bytes`; returns how many reads threw.
    @discardableResult
    static func readAll(_ bytes: [UInt8], range: Range<Int>? = nil, like expected: HDF5Manifest.HDF5) -> Int {
        var failures = 0
        let file: HDF5File
        do {
            file =
                try range.map { range throws(FileFormatError) in try HDF5File(bytes: bytes, range: range) }
                ?? HDF5File(bytes: bytes)
        } catch {
            return 1
        }
        for group in expected.groups {
            do {
                let found = try file.group(at: group.path)
                for attribute in found.attributes { _ = try? attribute.strings() }
                _ = try? found.stringArrayAttribute(named: "weight_names")
            } catch {
                failures += 1
            }
        }
        for dataset in expected.datasets {
            do {
                let found = try file.dataset(at: dataset.path ?? "")
                switch found.elementType {
                case .float: _ = try found.floats()
                case .signedInteger, .unsignedInteger: _ = try found.integers()
                case .fixedString, .variableString: _ = try found.strings()
                }
            } catch {
                failures += 1
            }
        }
        return failures
    }

    /// Reads every member of the archive `bytes`, and its weights file when it has one.
    static func readAll(zip bytes: [UInt8]) {
        guard let archive = try? ZIPArchive(bytes: bytes) else { return }
        for member in archive.members { _ = try? archive.contents(of: member, maximumSize: 1 << 20) }
        if let range = try? archive.storedRange(of: "model.weights.h5"),
            let expected = HDF5Manifest.shared.hdf5.first(where: { $0.file == "dense.weights.h5" })
        {
            readAll(archive.bytes, range: range, like: expected)
        }
    }

    static func timed(_ label: @autoclosure () -> String, _ body: () -> Void) {
        let start = ContinuousClock.now
        body()
        let elapsed = ContinuousClock.now - start
        if elapsed > .seconds(timeLimit) { Issue.record("\(label()) took \(elapsed)") }
    }

    @Test(arguments: ["dense.weights.h5", "dense_legacy.h5", "kinds.h5", "latest.h5"])
    func everyTruncatedHDF5FileThrowsOrReads(file: String) throws {
        let expected = try #require(HDF5Manifest.shared.hdf5.first { $0.file == file })
        let data = try HDF5Manifest.bytes(file)
        #expect(Self.readAll(data, like: expected) == expected.datasets.filter { $0.unsupported == true }.count)
        for length in 0..<data.count {
            Self.timed("\(file) cut to \(length) bytes") { Self.readAll(Array(data[..<length]), like: expected) }
        }
    }

    @Test(arguments: ["dense.keras", "lstm.keras", "deflated.zip"])
    func everyTruncatedArchiveThrowsOrReads(file: String) throws {
        let data = try HDF5Manifest.bytes(file)
        for length in 0..<data.count {
            Self.timed("\(file) cut to \(length) bytes") { Self.readAll(zip: Array(data[..<length])) }
            #expect(throws: FileFormatError.self, "\(file) cut to \(length)") {
                try ZIPArchive(bytes: Array(data[..<length]))
            }
        }
    }

    @Test(arguments: ["dense.weights.h5", "dense_legacy.h5", "kinds.h5", "latest.h5"])
    func flippedHDF5BytesThrowOrRead(file: String) throws {
        let expected = try #require(HDF5Manifest.shared.hdf5.first { $0.file == file })
        Self.forEachFlippedByte(of: try HDF5Manifest.bytes(file), seed: 5, count: 1000) { damaged, offset in
            Self.timed("\(file) with byte \(offset) flipped") { Self.readAll(damaged, like: expected) }
        }
    }

    @Test(arguments: ["dense.keras", "lstm.keras", "deflated.zip"])
    func flippedArchiveBytesThrowOrRead(file: String) throws {
        Self.forEachFlippedByte(of: try HDF5Manifest.bytes(file), seed: 7, count: 2000) { damaged, offset in
            Self.timed("\(file) with byte \(offset) flipped") { Self.readAll(zip: damaged) }
        }
    }

    /// `count` copies of `data`, each with one seeded byte at `offset` changed to another value.
    static func forEachFlippedByte(of data: [UInt8], seed: UInt64, count: Int, _ body: ([UInt8], Int) -> Void) {
        var generator = SplitMix64(seed: seed &+ UInt64(data.count))
        for _ in 0..<count {
            var damaged = data
            let offset = Int(generator.next() % UInt64(data.count))
            damaged[offset] ^= UInt8(truncatingIfNeeded: generator.next() % 255 + 1)
            body(damaged, offset)
        }
    }

    @Test func flippedMemberDataFailsTheCRC() throws {
        let data = try HDF5Manifest.bytes("dense.keras")
        let archive = try ZIPArchive(bytes: data)
        let range = try archive.storedRange(of: "config.json")
        var damaged = data
        damaged[range.lowerBound + 10] ^= 0x20
        let broken = try ZIPArchive(bytes: damaged)
        #expect {
            try broken.contents(of: "config.json")
        } throws: { error in
            guard case .checksumMismatch(_, "CRC-32", _, _) = error as? FileFormatError else { return false }
            return true
        }
        #expect(throws: FileFormatError.self) { try broken.storedRange(of: "config.json") }
    }

    @Test func randomNoiseNeverCrashes() {
        var generator = SplitMix64(seed: 4242)
        let header: [UInt8] = [0x89, 0x48, 0x44, 0x46, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 0, 0, 8, 8, 0]
        for _ in 0..<2000 {
            let count = Int(generator.next() % 400)
            let noise = (0..<count).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
            _ = try? HDF5File(bytes: header + noise)
            _ = try? ZIPArchive(bytes: noise + [0x50, 0x4B, 5, 6] + Array(noise.prefix(18)))
        }
    }
}
