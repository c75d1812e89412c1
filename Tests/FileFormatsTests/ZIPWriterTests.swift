import FileFormats
import Foundation
import Testing

@Suite struct ZIPWriterTests {
    /// Three members: an empty one, a JSON text, 5,000 pseudo-random bytes; one name not ASCII.
    static func sampleArchive() throws -> (writer: ZIPWriter, members: [(String, [UInt8])]) {
        var generator = SplitMix64(seed: 5)
        let members: [(String, [UInt8])] = [
            ("metadata.json", Array(#"{"keras_version": "3.15.1"}"#.utf8)),
            ("empty", []),
            ("assets/größe/model.weights.h5", (0..<5000).map { _ in UInt8(truncatingIfNeeded: generator.next()) }),
        ]
        var writer = ZIPWriter()
        for (name, data) in members { try writer.add(name, data: data) }
        return (writer, members)
    }

    @Test func headersDirectoryAndEndRecordAreConsistent() throws {
        let (writer, members) = try Self.sampleArchive()
        let zip = try writer.encode()
        func u16(_ at: Int) -> Int { Int(zip[at]) | Int(zip[at + 1]) << 8 }
        func u32(_ at: Int) -> Int { u16(at) | u16(at + 2) << 16 }
        // End record: the last 22 bytes (no comment).
        let end = zip.count - 22
        #expect(u32(end) == 0x0605_4B50)
        #expect(u16(end + 8) == members.count && u16(end + 10) == members.count)
        let directorySize = u32(end + 12)
        var entry = u32(end + 16)
        #expect(entry + directorySize == end)
        var localOffset = 0
        for (name, data) in members {
            let nameBytes = Array(name.utf8)
            // Central directory entry.
            #expect(u32(entry) == 0x0201_4B50)
            #expect(u16(entry + 10) == 0)  // stored
            #expect(u16(entry + 8) == (nameBytes.contains { $0 >= 0x80 } ? 0x800 : 0))
            #expect(UInt32(u32(entry + 16)) == CRC32.checksum(data))
            #expect(u32(entry + 20) == data.count && u32(entry + 24) == data.count)
            #expect(u16(entry + 28) == nameBytes.count && u16(entry + 30) == 0 && u16(entry + 32) == 0)
            #expect(u32(entry + 42) == localOffset)
            #expect(Array(zip[entry + 46..<entry + 46 + nameBytes.count]) == nameBytes)
            // Local header: the same fields, then the name and the bytes.
            #expect(u32(localOffset) == 0x0403_4B50)
            #expect(zip[localOffset + 4..<localOffset + 30] == zip[entry + 6..<entry + 32])
            let dataStart = localOffset + 30 + nameBytes.count
            #expect(Array(zip[localOffset + 30..<dataStart]) == nameBytes)
            #expect(Array(zip[dataStart..<dataStart + data.count]) == data)
            localOffset = dataStart + data.count
            entry += 46 + nameBytes.count
        }
        #expect(localOffset == u32(end + 16))
        #expect(writer.memberNames == members.map(\.0))
    }

    @Test func bytesAreDeterministic() throws {
        let first = try Self.sampleArchive().writer.encode()
        let second = try Self.sampleArchive().writer.encode()
        #expect(first == second)
        // With the default timestamp, 1980-01-01 00:00:00: time 0x0000, date 0x0021.
        #expect(Array(first[10..<14]) == [0x00, 0x00, 0x21, 0x00])
        #expect(try ZIPWriter().encode() == [0x50, 0x4B, 0x05, 0x06] + [UInt8](repeating: 0, count: 18))
    }

    @Test func timestampsUseTheDOSFormat() throws {
        let stamp = try ZIPTimestamp(year: 2026, month: 12, day: 4, hour: 18, minute: 24, second: 53)
        #expect(stamp.dosDate == UInt16((2026 - 1980) << 9 | 12 << 5 | 4))
        #expect(stamp.dosTime == UInt16(18 << 11 | 24 << 5 | 26))
        #expect(throws: FileEncodingError.self) { try ZIPTimestamp(year: 1979, month: 1, day: 1) }
        #expect(throws: FileEncodingError.self) { try ZIPTimestamp(year: 2000, month: 13, day: 1) }
        #expect(throws: FileEncodingError.self) { try ZIPTimestamp(year: 2000, month: 1, day: 1, second: 60) }
        var writer = ZIPWriter()
        try writer.add("a", data: [1], modified: stamp)
        let zip = try writer.encode()
        #expect(
            Array(zip[10..<14]) == [
                UInt8(stamp.dosTime & 0xFF), UInt8(stamp.dosTime >> 8),
                UInt8(stamp.dosDate & 0xFF), UInt8(stamp.dosDate >> 8),
            ])
    }

    @Test func refusesUnsafeOrRepeatedNames() throws {
        var writer = ZIPWriter()
        for name in ["", "/etc/passwd", "../up", "a/../b", "a//b", "dir/", "./a", "a\\b", "nul\u{0}byte"] {
            #expect(throws: FileEncodingError.self, "\(name)") { try writer.add(name, data: []) }
        }
        #expect(
            throws: FileEncodingError.invalidName(
                String(repeating: "n", count: 40) + "…",
                reason: "longer than 65,535 UTF-8 bytes")
        ) {
            try writer.add(String(repeating: "n", count: 70_000), data: [])
        }
        try writer.add("config.json", data: [1])
        #expect(throws: FileEncodingError.duplicateName("config.json")) { try writer.add("config.json", data: [2]) }
        #expect(writer.memberNames == ["config.json"])
    }

    @Test(.enabled(if: WriterCheckScript.zipPython != nil, "python3 not found: skipping the zipfile check"))
    func pythonZipfileReadsTheArchive() throws {
        let folder = try WriterCheckScript.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        var (writer, members) = try Self.sampleArchive()
        let stamp = try ZIPTimestamp(year: 2026, month: 12, day: 4, hour: 18, minute: 24, second: 52)
        try writer.add("stamped.txt", data: Array("later".utf8), modified: stamp)
        members.append(("stamped.txt", Array("later".utf8)))
        let url = folder.appendingPathComponent("m.keras")
        try AtomicFile.write(Data(try writer.encode()), to: url)

        struct Report: Decodable {
            struct Member: Decodable {
                var name: String
                var size: Int
                var compressedSize: Int
                var compressType: Int
                var crc: UInt32
                var dateTime: [Int]
                var flagBits: Int
                var hex: String
            }
            var testzip: String?
            var members: [Member]
        }
        let report = try WriterCheckScript.run(Report.self, python: WriterCheckScript.zipPython!, ["zip", url.path])
        #expect(report.testzip == nil)
        #expect(report.members.map(\.name) == members.map(\.0))
        for (member, (_, data)) in zip(report.members, members) {
            #expect(member.size == data.count && member.compressedSize == data.count && member.compressType == 0)
            #expect(member.crc == CRC32.checksum(data))
            #expect(member.hex == WriterCheckScript.hex(data))
        }
        #expect(report.members[0].dateTime == [1980, 1, 1, 0, 0, 0])
        #expect(report.members[3].dateTime == [2026, 12, 4, 18, 24, 52])
        #expect(report.members.map { $0.flagBits & 0x800 } == [0, 0, 0x800, 0])
    }
}
