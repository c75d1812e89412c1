import Foundation
import Testing
import FileFormats

@Suite struct AtomicFileTests {
    @Test func createsFoldersReplacesFilesAndLeavesNoTemporaryFiles() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("rek-atomic-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let url = folder.appendingPathComponent("a/b/file.bin")
        try AtomicFile.write(Data([1, 2, 3]), to: url)
        #expect(try Data(contentsOf: url) == Data([1, 2, 3]))
        try AtomicFile.write(Data(), to: url)
        #expect(try Data(contentsOf: url).isEmpty)
        try AtomicFile.write(Data("replaced".utf8), to: url)
        #expect(try Data(contentsOf: url) == Data("replaced".utf8))
        #expect(try FileManager.default.contentsOfDirectory(atPath: url.deletingLastPathComponent().path) == ["file.bin"])
    }

    @Test func reportsThePathWhenItCannotWrite() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("rek-atomic-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        try AtomicFile.write(Data([0]), to: folder.appendingPathComponent("plain-file"))
        // A path below a regular file cannot exist.
        let url = folder.appendingPathComponent("plain-file/inside.txt")
        do {
            try AtomicFile.write(Data([1]), to: url)
            Issue.record("expected an error")
        } catch {
            #expect(error.path == url.path)
            #expect(error.description.hasPrefix("cannot write \(url.path): "))
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path) == ["plain-file"])
        // Without folder creation, a missing folder is an error too.
        #expect(throws: AtomicWriteError.self) {
            try AtomicFile.write(Data([1]), to: folder.appendingPathComponent("missing/file"), creatingParentFolders: false)
        }
        #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent("missing").path))
    }
}
