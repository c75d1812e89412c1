/// A minimal PNG encoder for 8-bit grayscale images (ISO/IEC 15948): the signature, IHDR, IDAT
/// chunks (one per MiB) holding an uncompressed zlib stream (stored DEFLATE blocks), and IEND; every chunk with its
/// CRC-32.
///
///     let png = PNG.encodeGrayscale(pixels, width: 28, height: 28)
///     try AtomicFile.write(Data(png), to: url)
public enum PNG {
    /// The eight bytes every PNG file starts with.
    public static let signature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]

    /// The PNG file of an 8-bit grayscale image (0 black, 255 white).
    ///
    /// - Parameters:
    ///   - pixels: `width * height` bytes, row by row from the top.
    ///   - width: The image width, at least 1.
    ///   - height: The image height, at least 1.
    /// - Precondition: `width` and `height` are in `1...Int32.max` and `pixels.count == width * height`.
    public static func encodeGrayscale(_ pixels: [UInt8], width: Int, height: Int) -> [UInt8] {
        precondition(
            (1...Int(Int32.max)).contains(width) && (1...Int(Int32.max)).contains(height),
            "PNG dimensions \(width)x\(height) must be between 1 and 2^31 - 1")
        let (count, overflow) = width.multipliedReportingOverflow(by: height)
        precondition(
            !overflow && pixels.count == count,
            "a \(width)x\(height) image needs \(width)x\(height) pixels, got \(pixels.count)")

        // Each scanline starts with its filter type, 0 (none).
        var scanlines = [UInt8]()
        scanlines.reserveCapacity(height * (width + 1))
        for row in 0..<height {
            scanlines.append(0)
            scanlines += pixels[row * width..<(row + 1) * width]
        }

        var header = [UInt8]()
        header += bigEndian(UInt32(width))
        header += bigEndian(UInt32(height))
        header += [8, 0, 0, 0, 0]  // bit depth 8, color type 0 (grayscale), deflate, adaptive filtering, no interlace

        var file = signature
        appendChunk("IHDR", header, to: &file)
        // The image data may be split over several IDAT chunks; 1 MiB each keeps every chunk length small.
        let stream = Zlib.storedStream(scanlines)
        for start in stride(from: 0, to: stream.count, by: 1 << 20) {
            appendChunk("IDAT", Array(stream[start..<min(start + (1 << 20), stream.count)]), to: &file)
        }
        appendChunk("IEND", [], to: &file)
        return file
    }

    /// Appends a chunk: length, type, data, and the CRC-32 of type and data.
    private static func appendChunk(_ type: String, _ data: [UInt8], to file: inout [UInt8]) {
        let typeBytes = Array(type.utf8)
        file += bigEndian(UInt32(data.count))
        var crc = CRC32()
        crc.update(typeBytes)
        crc.update(data)
        file += typeBytes
        file += data
        file += bigEndian(crc.value)
    }

    private static func bigEndian(_ value: UInt32) -> [UInt8] {
        [UInt8(value >> 24), UInt8((value >> 16) & 0xFF), UInt8((value >> 8) & 0xFF), UInt8(value & 0xFF)]
    }
}
