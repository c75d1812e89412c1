import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes files so that readers never see a partial file: the bytes go to a temporary file in the
/// same folder, are flushed to disk (`fsync`), and the temporary file is then renamed over the
/// destination (an atomic replacement on POSIX file systems).
public enum AtomicFile {
    /// Writes `data` to `url` atomically.
    ///
    /// On failure the destination is left as it was and the temporary file is removed.
    ///
    /// - Parameters:
    ///   - data: The file's new contents.
    ///   - url: The destination; an existing file is replaced.
    ///   - creatingParentFolders: Whether to create the parent folder (and its parents) when missing;
    ///     when `false`, a missing folder is an error.
    /// - Throws: ``AtomicWriteError`` naming the path and the operating system's reason.
    public static func write(_ data: Data, to url: URL, creatingParentFolders: Bool = true) throws(AtomicWriteError) {
        let path = url.path
        let folder = url.deletingLastPathComponent()
        if creatingParentFolders {
            do {
                try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            } catch {
                throw AtomicWriteError(path: path, reason: (error as NSError).localizedDescription)
            }
        }
        let temporary = folder.appendingPathComponent(".\(url.lastPathComponent).\(UUID().uuidString).tmp").path
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw AtomicWriteError(path: path, errno: errno) }
        var failure: Int32 = 0
        data.withUnsafeBytes { buffer in
            var done = 0
            while done < buffer.count {
                let written = systemWrite(descriptor, buffer.baseAddress! + done, buffer.count - done)
                if written < 0 {
                    if errno == EINTR { continue }
                    failure = errno
                    return
                }
                done += written
            }
        }
        if failure == 0, fsync(descriptor) != 0 { failure = errno }
        if close(descriptor) != 0, failure == 0 { failure = errno }
        if failure == 0, rename(temporary, path) != 0 { failure = errno }
        if failure != 0 {
            unlink(temporary)
            throw AtomicWriteError(path: path, errno: failure)
        }
    }
}

/// Why ``AtomicFile/write(_:to:)`` failed.
public struct AtomicWriteError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The destination path.
    public var path: String
    /// The operating system's explanation, for example "Permission denied".
    public var reason: String

    /// Creates an error for `path` with a free-text `reason`.
    public init(path: String, reason: String) {
        self.path = path
        self.reason = reason
    }

    /// Creates an error for `path` from a POSIX error number.
    init(path: String, errno code: Int32) {
        self.init(path: path, reason: String(cString: strerror(code)))
    }

    /// "cannot write <path>: <reason>".
    public var description: String { "cannot write \(path): \(reason)" }
}

/// POSIX `write(2)`, named apart from ``AtomicFile/write(_:to:)``.
private func systemWrite(_ descriptor: Int32, _ bytes: UnsafeRawPointer, _ count: Int) -> Int {
    write(descriptor, bytes, count)
}
