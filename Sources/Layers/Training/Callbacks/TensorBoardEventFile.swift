internal import FileFormats
import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// One TensorBoard event file being appended to, named as TensorFlow names them:
/// `events.out.tfevents.<seconds>.<host>.<pid>.<n>.v2`, `n` counting the files this process opened.
///
/// The file starts with the `file_version` event; records are appended as they come and written
/// through at once (no buffering), so TensorBoard, which follows a growing file, sees each epoch.
final class TensorBoardEventFile {
    /// The file's path.
    let url: URL
    private let handle: FileHandle

    /// Files opened so far by this process (TensorFlow's global writer counter).
    private static let opened = Mutex(0)

    /// Creates the file (and its missing folders) in `folder` and writes the header event.
    ///
    /// - Throws: ``SavingError/unwritable(path:reason:)`` when the folder or file cannot be created.
    init(folder: URL) throws(SavingError) {
        let now = Date().timeIntervalSince1970
        let seconds = Int(now)
        let counter = TensorBoardEventFile.opened.withLock { count in
            defer { count += 1 }
            return count
        }
        let name = "events.out.tfevents.\(seconds).\(TensorBoardEventFile.hostName()).\(getpid()).\(counter).v2"
        url = folder.appendingPathComponent(name)
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        } catch {
            throw .unwritable(path: url.path, reason: "cannot create the folder \(folder.path): \(describe(error))")
        }
        guard FileManager.default.createFile(atPath: url.path, contents: nil) else {
            throw .unwritable(path: url.path, reason: "cannot create the file")
        }
        do {
            handle = try FileHandle(forWritingTo: url)
        } catch {
            throw .unwritable(path: url.path, reason: describe(error))
        }
        try append([TensorBoardEvent.fileVersion(wallTime: Double(seconds), writer: "RareEventKit")])
    }

    deinit { try? handle.close() }

    /// Appends `events`, each framed as a TFRecord, in one write.
    ///
    /// - Throws: ``SavingError/unwritable(path:reason:)`` when the write fails (a full disk).
    func append(_ events: [[UInt8]]) throws(SavingError) {
        let bytes = events.flatMap { TFRecord.framed($0) }
        do {
            try handle.write(contentsOf: Data(bytes))
        } catch {
            throw .unwritable(path: url.path, reason: describe(error))
        }
    }

    /// Closes the file.
    func close() { try? handle.close() }

    /// The machine's name as `gethostname` gives it (TensorFlow's `port::Hostname`), `localhost` when
    /// it cannot be read.
    private static func hostName() -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count - 1) == 0 else { return "localhost" }
        let name = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return name.isEmpty ? "localhost" : name
    }
}

/// An error's message without Foundation's wrapping.
private func describe(_ error: any Error) -> String { (error as NSError).localizedDescription }
