import FileFormats
import Testing

@Suite struct TFRecordTests {
    @Test func framedRecordsReadBack() throws {
        let records: [[UInt8]] = [[], Array("brain.Event:2".utf8), (0..<300).map { UInt8($0 % 251) }]
        let file = records.flatMap(TFRecord.framed)
        #expect(file.count == records.reduce(0) { $0 + $1.count + 16 })
        #expect(try TFRecord.records(in: file) == records)
        #expect(try TFRecord.records(in: []) == [])
    }

    @Test func damagedFilesGiveTypedErrorsAtTheirOffset() throws {
        let file = TFRecord.framed(Array("abc".utf8)) + TFRecord.framed(Array("defg".utf8))
        // The second record starts at byte 19; its data at 31.
        var flipped = file
        flipped[32] ^= 1
        #expect(throws: FileFormatError.self) { try TFRecord.records(in: flipped) }
        do {
            _ = try TFRecord.records(in: flipped)
        } catch {
            guard case .checksumMismatch(35, "masked CRC-32C", _, _) = error else {
                Issue.record("\(error)")
                return
            }
        }
        var length = file
        length[19] = 5
        do {
            _ = try TFRecord.records(in: length)
            Issue.record("a damaged length was accepted")
        } catch {
            guard case .checksumMismatch(27, _, _, _) = error else {
                Issue.record("\(error)")
                return
            }
        }
        #expect(throws: FileFormatError.truncated(offset: 33, expected: "the 4 bytes and CRC of the record at byte 19"))
        {
            try TFRecord.records(in: Array(file.prefix(33)))
        }
        #expect(throws: FileFormatError.self) { try TFRecord.records(in: Array(file.prefix(25))) }
    }
}
