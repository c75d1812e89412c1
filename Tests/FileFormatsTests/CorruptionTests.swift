import FileFormats
import Foundation
import Testing

/// Damaged input must give a `FileFormatError`, never a crash, a hang or a wrong result.
@Suite struct CorruptionTests {
    @Test func everyTruncationIsReportedAsTruncated() throws {
        for file in [
            "text.cli6.gz", "random.py6.gz", "flags.gz", "empty.py6.gz", "text.py0.gz", "large.cli9.gz", "large.py0.gz",
        ] {
            let data = Array(try GzipFixtures.data(file))
            // Every offset of the small files; about 50 offsets of the ones that expand to 66 KB.
            let step = file.hasPrefix("large") ? max(1, data.count / 50) : 1
            for length in stride(from: 0, to: data.count, by: step) {
                do {
                    _ = try Gzip.decompress(data[..<length])
                    Issue.record("\(file) cut to \(length) bytes decoded")
                } catch {
                    guard case .truncated = error else {
                        Issue.record("\(file) cut to \(length) bytes: \(error)")
                        continue
                    }
                }
            }
        }
    }

    @Test func everyTruncatedZlibAndRawStreamThrows() throws {
        for file in ["text.zlib9.zz", "random.zlib1.zz", "text.raw6.deflate", "random.raw6.deflate"] {
            let data = Array(try GzipFixtures.data(file))
            // Every offset of the text streams, every 5th of the 2 KB random ones.
            for length in stride(from: 0, to: data.count, by: file.hasPrefix("random") ? 5 : 1) {
                #expect(throws: FileFormatError.self, "\(file) cut to \(length) bytes") {
                    if file.hasSuffix(".zz") {
                        _ = try Zlib.decompress(data[..<length])
                    } else {
                        _ = try Inflate.decompress(data[..<length])
                    }
                }
            }
        }
    }

    @Test func flippedBytesThrowOrLeaveTheOutputUnchanged() throws {
        var generator = SplitMix64(seed: 1952)
        for file in ["text.cli6.gz", "random.py9.gz", "large.cli9.gz", "flags.gz", "text.py0.gz"] {
            let data = Array(try GzipFixtures.data(file))
            let expected = try Gzip.decompress(data)
            let trials = file.hasPrefix("large") ? 100 : 1000
            var failures = 0
            for _ in 0..<trials {
                var damaged = data
                let offset = Int(generator.next() % UInt64(data.count))
                damaged[offset] ^= UInt8(truncatingIfNeeded: generator.next() % 255 + 1)
                do {
                    // Flips in fields nothing checks (MTIME, XFL, OS, the file name's letters, unused bits
                    // after the last code) decode to the same bytes; anything else must throw.
                    let decoded = try Gzip.decompress(damaged, maximumOutputSize: 1 << 20)
                    #expect(decoded == expected, "\(file): byte \(offset) flipped decoded to other data")
                } catch {
                    failures += 1
                }
            }
            #expect(failures > trials / 2, "\(file): only \(failures) of \(trials) flips were detected")
        }
    }

    @Test func randomNoiseNeverCrashes() {
        var generator = SplitMix64(seed: 42)
        for trial in 0..<1500 {
            let count = Int(generator.next() % 200)
            var bytes = (0..<count).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
            if trial % 3 == 1, !bytes.isEmpty { bytes[0] = (bytes[0] & 0xF8) | 0x05 }  // a final dynamic block
            if trial % 3 == 2, !bytes.isEmpty { bytes[0] = (bytes[0] & 0xF8) | 0x03 }  // a final fixed block
            _ = try? Inflate.decompress(bytes, maximumOutputSize: 1 << 16)
            _ = try? Gzip.decompress([0x1F, 0x8B, 8, 0, 0, 0, 0, 0, 0, 3] + bytes, maximumOutputSize: 1 << 16)
            _ = try? Zlib.decompress([0x78, 0x9C] + bytes, maximumOutputSize: 1 << 16)
        }
    }
}
