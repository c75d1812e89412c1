import FileFormats
import Foundation
import Testing

@Suite struct InflateTests {
    @Test func decodesEveryFixtureFromGzipAndPython() throws {
        let fixtures = GzipFixtures.shared
        #expect(fixtures.files.count == 47)
        for entry in fixtures.files {
            let data = try GzipFixtures.data(entry.file)
            let expected = try GzipFixtures.input(entry.input)
            #expect(expected.count == fixtures.inputs[entry.input]?.size)
            #expect(CRC32.checksum(expected) == fixtures.inputs[entry.input]?.crc32)
            let decoded: [UInt8]
            switch entry.format {
            case "gzip":
                #expect(Gzip.hasMagic(data))
                decoded = try Gzip.decompress(data)
            case "zlib": decoded = try Zlib.decompress(data)
            default: decoded = try Inflate.decompress(data)
            }
            #expect(decoded == expected, "\(entry.file) (\(entry.tool), level \(entry.level))")
        }
    }

    @Test func coversStoredFixedAndDynamicBlocks() throws {
        // Level 0 stores; the empty input at level 6 is one fixed block; the text uses dynamic codes.
        for (file, type) in [("large.py0.gz", 0), ("empty.py6.gz", 1), ("text.py9.gz", 2), ("random.py9.gz", 2)] {
            let data = try GzipFixtures.data(file)
            // The first block header starts at byte 10 + the file name + its zero byte.
            let nameEnd = try #require(data[10...].firstIndex(of: 0))
            #expect(Int((data[nameEnd + 1] >> 1) & 3) == type, "\(file)")
        }
        #expect(try GzipFixtures.data("large.py0.gz").count > 65_535 + 18)  // two stored blocks
    }

    @Test func ignoresZeroPaddingButNotOtherTrailingData() throws {
        let data = Array(try GzipFixtures.data("text.cli6.gz"))
        let text = try GzipFixtures.input("text")
        #expect(try Gzip.decompress(data + [0, 0, 0, 0]) == text)
        #expect(
            throws: FileFormatError.malformed(
                offset: data.count, expected: "the gzip magic number 0x1f 0x8b",
                found: "0x00 0x01")
        ) {
            try Gzip.decompress(data + [0, 1, 0, 0, 0, 0, 0, 0, 0, 0])
        }
        #expect(throws: FileFormatError.truncated(offset: data.count + 2, expected: "a 10-byte gzip header")) {
            try Gzip.decompress(data + [0x1F, 0x8B])
        }
    }

    @Test func limitsTheOutputSize() throws {
        let data = try GzipFixtures.data("large.cli9.gz")
        let size = GzipFixtures.largeInput().count
        #expect(try Gzip.decompress(data, maximumOutputSize: size).count == size)
        #expect(throws: FileFormatError.self) { try Gzip.decompress(data, maximumOutputSize: size - 1) }
        #expect(throws: FileFormatError.self) {
            try Gzip.decompress(try GzipFixtures.data("large.py0.gz"), maximumOutputSize: 1000)
        }
        do {
            _ = try Gzip.decompress(data, maximumOutputSize: 1000)
            Issue.record("expected outputTooLarge")
        } catch {
            guard case .outputTooLarge(_, let limit) = error else {
                Issue.record("\(error)")
                return
            }
            #expect(limit == 1000)
        }
    }

    @Test func stopsADecompressionBomb() throws {
        // 20,000 matches of 258 zero bytes: a 33 KB stream that expands to 5.16 MB (a ratio of 158).
        var writer = DeflateWriter()
        writer.header(final: true, type: 1)
        writer.fixedSymbol(0)
        for _ in 0..<20_000 { writer.fixedMatch(length: 258, distance: 1) }
        writer.fixedSymbol(256)
        // Decoding stops after the 255th match, the first past 65,536 bytes: 3 + 8 + 255 * 13 bits in.
        #expect(throws: FileFormatError.outputTooLarge(offset: (3 + 8 + 255 * 13) / 8, limit: 1 << 16)) {
            try Inflate.decompress(writer.bytes, maximumOutputSize: 1 << 16)
        }
        let output = try Inflate.decompress(writer.bytes, maximumOutputSize: 1 + 20_000 * 258)
        #expect(output.count == 1 + 20_000 * 258)
        #expect(output.first == 0 && output.last == 0 && output[output.count / 2] == 0)
    }

    @Test func rejectsDistancesBeforeTheStartOfTheOutput() {
        var writer = DeflateWriter()
        writer.header(final: true, type: 1)
        writer.fixedSymbol(Int(UInt8(ascii: "a")))
        writer.fixedMatch(length: 3, distance: 2)
        writer.fixedSymbol(256)
        #expect(throws: FileFormatError.distanceTooFar(offset: 2, distance: 2, available: 1)) {
            try Inflate.decompress(writer.bytes)
        }
    }

    @Test func aSecondGzipMemberCannotReachIntoTheFirst() throws {
        var writer = DeflateWriter()
        writer.header(final: true, type: 1)
        writer.fixedMatch(length: 3, distance: 1)
        writer.fixedSymbol(256)
        let first = Array(try GzipFixtures.data("text.cli6.gz"))
        let second = gzipMember(deflate: writer.bytes, content: [])
        #expect(throws: FileFormatError.distanceTooFar(offset: first.count + 11, distance: 1, available: 0)) {
            try Gzip.decompress(first + second)
        }
    }

    @Test func rejectsReservedBlockTypeAndCodes() {
        var blockType3 = DeflateWriter()
        blockType3.header(final: true, type: 3)
        #expect(throws: FileFormatError.malformed(offset: 0, expected: "block type 0, 1 or 2", found: "block type 3")) {
            try Inflate.decompress(blockType3.bytes)
        }
        var length286 = DeflateWriter()
        length286.header(final: true, type: 1)
        length286.fixedSymbol(286)
        #expect(throws: FileFormatError.self) { try Inflate.decompress(length286.bytes) }
        var distance30 = DeflateWriter()
        distance30.header(final: true, type: 1)
        distance30.fixedSymbol(65)
        distance30.fixedSymbol(257)
        distance30.code(30, 5)
        distance30.fixedSymbol(256)
        #expect(throws: FileFormatError.malformed(offset: 2, expected: "a distance code", found: "an unused code")) {
            try Inflate.decompress(distance30.bytes)
        }
    }

    @Test func rejectsBadStoredLengthsAndDynamicHeaders() {
        // Stored block whose NLEN is not the complement of LEN.
        #expect(
            throws: FileFormatError.malformed(offset: 3, expected: "NLEN, the one's complement of LEN 1", found: "0")
        ) {
            try Inflate.decompress([0x01, 0x01, 0x00, 0x00, 0x00, 0x41])
        }
        // Dynamic block with 287 literal/length codes.
        var tooMany = DeflateWriter()
        tooMany.header(final: true, type: 2)
        tooMany.bits(30, 5)
        tooMany.bits(0, 5)
        tooMany.bits(0, 4)
        tooMany.bits(0, 64)
        #expect(
            throws: FileFormatError.malformed(offset: 0, expected: "at most 286 literal/length codes", found: "287")
        ) {
            try Inflate.decompress(tooMany.bytes)
        }
        // A code-length code with three one-bit codes is over-subscribed.
        var overSubscribed = DeflateWriter()
        overSubscribed.header(final: true, type: 2)
        overSubscribed.bits(0, 5)
        overSubscribed.bits(0, 5)
        overSubscribed.bits(0, 4)  // 4 code-length code lengths: symbols 16, 17, 18, 0
        for _ in 0..<3 { overSubscribed.bits(1, 3) }
        overSubscribed.bits(0, 3)
        overSubscribed.bits(0, 64)
        #expect(
            throws: FileFormatError.malformed(
                offset: 2, expected: "a complete code-length code", found: "an over-subscribed code")
        ) {
            try Inflate.decompress(overSubscribed.bytes)
        }
        // Trailing bytes after a raw stream's final block.
        #expect(throws: FileFormatError.self) { try Inflate.decompress([0x03, 0x00, 0x00]) }
    }

    @Test func checksHeaderFieldsAndChecksums() throws {
        let flags = Array(try GzipFixtures.data("flags.gz"))
        let text = try GzipFixtures.input("text")
        #expect(try Gzip.decompress(flags) == text)
        #expect(throws: FileFormatError.truncated(offset: 0, expected: "a 10-byte gzip header")) {
            try Gzip.decompress([UInt8]())
        }
        #expect(
            throws: FileFormatError.malformed(
                offset: 0, expected: "the gzip magic number 0x1f 0x8b", found: "0x1f 0x8c")
        ) {
            try Gzip.decompress([0x1F, 0x8C] + flags[2...])
        }
        var method = flags
        method[2] = 7
        #expect(throws: FileFormatError.malformed(offset: 2, expected: "compression method 8 (deflate)", found: "7")) {
            try Gzip.decompress(method)
        }
        var reserved = flags
        reserved[3] |= 0x20
        #expect(
            throws: FileFormatError.malformed(
                offset: 3, expected: "flags with the reserved bits 5-7 clear", found: "0x3f")
        ) {
            try Gzip.decompress(reserved)
        }
        // The header CRC-16 sits just before the DEFLATE data: 10 + 2 + 8 (extra) + 10 (name) + 33 (comment) = 63.
        var headerCRC = flags
        headerCRC[63] ^= 0x01
        do {
            _ = try Gzip.decompress(headerCRC)
            Issue.record("expected a header CRC mismatch")
        } catch {
            guard case .checksumMismatch(63, "header CRC-16", _, _) = error else {
                Issue.record("\(error)")
                return
            }
        }
        var crc = flags
        crc[crc.count - 8] ^= 0xFF
        do {
            _ = try Gzip.decompress(crc)
            Issue.record("expected a CRC-32 mismatch")
        } catch {
            guard case .checksumMismatch(flags.count - 8, "CRC-32", _, CRC32.checksum(text)) = error else {
                Issue.record("\(error)")
                return
            }
        }
        var size = flags
        size[size.count - 1] = 1
        do {
            _ = try Gzip.decompress(size)
            Issue.record("expected an ISIZE mismatch")
        } catch {
            guard case .checksumMismatch(flags.count - 4, _, _, UInt32(text.count)) = error else {
                Issue.record("\(error)")
                return
            }
        }
    }

    @Test func zlibHeaderAndAdler32AreChecked() throws {
        let stream = Array(try GzipFixtures.data("text.zlib6.zz"))
        #expect(
            throws: FileFormatError.malformed(
                offset: 1, expected: "a header that is a multiple of 31", found: "0x78 0x9d")
        ) {
            try Zlib.decompress([stream[0], stream[1] ^ 1] + stream[2...])
        }
        var adler = stream
        adler[adler.count - 1] ^= 0x10
        do {
            _ = try Zlib.decompress(adler)
            Issue.record("expected an Adler-32 mismatch")
        } catch {
            guard case .checksumMismatch(stream.count - 4, "Adler-32", _, _) = error else {
                Issue.record("\(error)")
                return
            }
        }
    }

    @Test func storedStreamsRoundTripOverSeveralBlocks() throws {
        var generator = SplitMix64(seed: 3)
        for count in [0, 1, 65_535, 65_536, 150_000] {
            let bytes = (0..<count).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
            let stream = Zlib.storedStream(bytes)
            #expect(stream.count == 2 + count + 5 * max(1, (count + 65_534) / 65_535) + 4)
            #expect(try Zlib.decompress(stream) == bytes, "\(count) bytes")
        }
    }

    @Test func errorsDescribeTheOffset() {
        #expect(
            FileFormatError.truncated(offset: 12, expected: "the gzip trailer").description
                == "the input ends at byte 12, before the gzip trailer")
        #expect(
            FileFormatError.checksumMismatch(offset: 4, checksum: "CRC-32", stored: 1, computed: 0xCBF4_3926)
                .description
                == "byte 4: the stored CRC-32 is 0x00000001 but the data gives 0xcbf43926")
    }
}
