import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes files and folders so that readers never see a partial one.
///
/// A file's bytes go to a hidden temporary file in the same folder (`.<name>.tmp-<pid>-<random>`), are
/// flushed to disk (`fsync`), and the temporary file is then renamed over the destination, an atomic
/// replacement on POSIX file systems; the folder is flushed too, so the rename survives a power cut.
/// A folder of files (a saved model) is written the same way as a whole: into a hidden temporary folder
/// next to the destination, then moved into place (see ``writeFolder(_:to:)``).
///
/// Nothing goes through Foundation's `Data.write(options: .atomic)`, which leaves its own temporaries
/// behind when the process is killed. Temporaries a killed process left (names of the pattern above
/// whose process no longer runs) are removed by the next write to the same destination.
public enum AtomicFile {
    /// Writes `data` to `url` atomically: at every instant `url` holds either its previous contents (or
    /// nothing, if it did not exist) or all of `data`.
    ///
    /// On failure the destination is left as it was and the temporary file is removed.
    ///
    /// - Parameters:
    ///   - data: The file's new contents.
    ///   - url: The destination; an existing file is replaced, an existing folder is an error.
    ///   - creatingParentFolders: Whether to create the parent folder (and its parents) when missing, as
    ///     Keras' `save` does; when `false`, a missing folder is an error.
    /// - Throws: ``AtomicWriteError`` naming the destination and what failed, for example
    ///   "cannot write /runs/a.csv/log.csv: cannot create the folder /runs/a.csv: a file is in the way".
    public static func write(_ data: Data, to url: URL, creatingParentFolders: Bool = true) throws(AtomicWriteError) {
        let (folder, name) = try split(url)
        let path = folder + "/" + name
        if creatingParentFolders { try makeFolders(folder, for: path) }
        var status = stat()
        if lstat(path, &status) == 0, isFolder(status) {
            throw AtomicWriteError(path: path, reason: "it is a folder; expected a file")
        }
        removeStaleTemporaries(of: name, in: folder, target: path, restoringFolder: false)
        let temporary = folder + "/" + temporaryName(of: name, kind: "tmp")
        do {
            try writeFile(data, to: temporary, reportingAs: path)
            try rename(temporary, path, reportingAs: path)
        } catch {
            unlink(temporary)
            throw error
        }
        syncFolder(folder)
    }

    /// Writes a folder of files atomically (a saved model: `config.json` and `model.safetensors`).
    ///
    /// The files are written into a hidden temporary folder next to `folder`
    /// (`.<name>.tmp-<pid>-<random>`), each flushed to disk, and the temporary folder is then moved into
    /// place, so a reader of `folder`, or a process killed at any moment, never sees a half-written one:
    ///
    /// - When `folder` does not exist, the complete temporary folder is renamed to it.
    /// - When it exists, the two are swapped in one atomic step (`renameat2(RENAME_EXCHANGE)` on
    ///   Linux), and the previous folder, now at the temporary name, is deleted. At every instant `folder`
    ///   is the complete previous or the complete new one.
    /// - On systems without an atomic swap, the previous folder is first renamed aside
    ///   (`.<name>.old-<pid>-<random>`), then the new one into place. If the process is killed between
    ///   the two renames, `folder` is briefly missing but the previous folder is complete under its
    ///   `.old-` name, and the next write to `folder` puts it back before writing.
    ///
    /// Then the parent folder is flushed. Temporaries are removed on success and on thrown errors;
    /// those of a killed process are removed by the next write to the same `folder`. The parent folders
    /// are created when missing.
    ///
    /// An existing `folder` is replaced as a whole, so it may hold only files named in `files`: anything
    /// else in it is an error, never deleted.
    ///
    /// - Parameters:
    ///   - files: The file names (plain names, no `/`) and contents.
    ///   - folder: The destination folder.
    /// - Throws: ``AtomicWriteError``; the destination is then left as it was.
    public static func writeFolder(_ files: [(name: String, data: Data)], to folder: URL) throws(AtomicWriteError) {
        try writeFolder(files, to: folder, allowingExchange: true) { _ throws(AtomicWriteError) in }
    }

    /// ``writeFolder(_:to:)`` with test controls: `allowingExchange: false` forces the two-rename
    /// scheme, and `step` runs after each step; an error it throws fails the write there (cleaned up
    /// like any failure), except ``AtomicWriteError/simulatedCrash``, which stops at once without
    /// cleaning up, as `kill -9` would.
    package static func writeFolder(
        _ files: [(name: String, data: Data)], to folder: URL, allowingExchange: Bool,
        step: (AtomicFolderStep) throws(AtomicWriteError) -> Void
    ) throws(AtomicWriteError) {
        let (parent, name) = try split(folder)
        let path = parent + "/" + name
        var names = Set<String>()
        for file in files {
            guard !file.name.isEmpty, file.name != ".", file.name != "..", !file.name.contains("/"),
                names.insert(file.name).inserted
            else {
                throw AtomicWriteError(path: path, reason: "invalid or repeated file name '\(file.name)'")
            }
        }
        try makeFolders(parent, for: path)
        removeStaleTemporaries(of: name, in: parent, target: path, restoringFolder: true)
        var status = stat()
        var exists = lstat(path, &status) == 0
        if exists {
            guard isFolder(status) else {
                throw AtomicWriteError(
                    path: path, reason: "it exists and is not a folder; expected a folder to save into")
            }
            let others = ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? [])
                .filter { !names.contains($0) }.sorted()
            guard others.isEmpty else {
                let listed = others.prefix(3).joined(separator: ", ") + (others.count > 3 ? ", …" : "")
                throw AtomicWriteError(
                    path: path,
                    reason:
                        "the folder also holds \(listed); it is replaced as a whole, so save into a new folder or one holding only \(names.sorted().joined(separator: " and "))"
                )
            }
        }

        let temporary = parent + "/" + temporaryName(of: name, kind: "tmp")
        var crashed = false
        // Runs the test hook; a simulated crash skips every clean-up below.
        func after(_ done: AtomicFolderStep) throws(AtomicWriteError) {
            do { try step(done) } catch {
                if error == .simulatedCrash { crashed = true }
                throw error
            }
        }
        guard mkdir(temporary, 0o755) == 0 else {
            throw AtomicWriteError(
                path: path, reason: "cannot create the temporary folder \(temporary): \(errorText(errno))")
        }
        do {
            try after(.createdTemporaryFolder)
            for file in files {
                try writeFile(file.data, to: temporary + "/" + file.name, reportingAs: path)
                try after(.wroteFile(file.name))
            }
            syncFolder(temporary)
            try after(.wroteAllFiles)
        } catch {
            if !crashed { removeTree(temporary) }
            throw error
        }

        // Recheck: another writer may have created or removed the folder meanwhile.
        exists = lstat(path, &status) == 0
        if !exists {
            do {
                try rename(temporary, path, reportingAs: path)
            } catch {
                removeTree(temporary)
                throw error
            }
            syncFolder(parent)
            try after(.movedIntoPlace)
            return
        }
        if allowingExchange, exchange(temporary, path) {
            // `temporary` now holds the previous folder.
            syncFolder(parent)
            do { try after(.movedIntoPlace) } catch {
                if !crashed { removeTree(temporary) }
                throw error
            }
            removeTree(temporary)
            syncFolder(parent)
            return
        }
        let old = parent + "/" + temporaryName(of: name, kind: "old")
        do {
            try rename(path, old, reportingAs: path)
        } catch {
            removeTree(temporary)
            throw error
        }
        do {
            try after(.movedPreviousAside)
            try rename(temporary, path, reportingAs: path)
        } catch {
            if !crashed {
                _ = systemRename(old, path)
                removeTree(temporary)
            }
            throw error
        }
        syncFolder(parent)
        do { try after(.movedIntoPlace) } catch {
            if !crashed { removeTree(old) }
            throw error
        }
        removeTree(old)
        syncFolder(parent)
    }
}

/// The steps of ``AtomicFile/writeFolder(_:to:)``, reported to its test hook after each is done.
package enum AtomicFolderStep: Equatable, Sendable, CustomStringConvertible {
    /// The hidden temporary folder exists, empty.
    case createdTemporaryFolder
    /// One file is written and flushed inside the temporary folder.
    case wroteFile(String)
    /// Every file is written and the temporary folder flushed.
    case wroteAllFiles
    /// (Two-rename scheme only) the previous folder was renamed to its `.old-` name.
    case movedPreviousAside
    /// The new folder is at the destination; the previous one is not deleted yet.
    case movedIntoPlace

    /// The case's name, with the file name for ``wroteFile(_:)``: "wroteFile(config.json)".
    package var description: String {
        switch self {
        case .createdTemporaryFolder: "createdTemporaryFolder"
        case let .wroteFile(name): "wroteFile(\(name))"
        case .wroteAllFiles: "wroteAllFiles"
        case .movedPreviousAside: "movedPreviousAside"
        case .movedIntoPlace: "movedIntoPlace"
        }
    }
}

/// Why ``AtomicFile/write(_:to:creatingParentFolders:)`` or ``AtomicFile/writeFolder(_:to:)`` failed.
public struct AtomicWriteError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The destination path.
    public var path: String
    /// What failed and the operating system's explanation, for example "cannot create the folder /a/b:
    /// a file is in the way" or "Permission denied".
    public var reason: String

    /// Creates an error for `path` with a free-text `reason`.
    public init(path: String, reason: String) {
        self.path = path
        self.reason = reason
    }

    /// Creates an error for `path` from a POSIX error number.
    init(path: String, errno code: Int32) {
        self.init(path: path, reason: errorText(code))
    }

    /// Thrown by a test hook of ``AtomicFile/writeFolder(_:to:)`` to stop the write as `kill -9` would.
    package static let simulatedCrash = AtomicWriteError(path: "", reason: "simulated crash")

    /// "cannot write <path>: <reason>".
    public var description: String { "cannot write \(path): \(reason)" }
}

// MARK: - Steps

extension AtomicFile {
    /// The standardized parent folder and last component of `url` (a trailing `/` is ignored).
    private static func split(_ url: URL) throws(AtomicWriteError) -> (folder: String, name: String) {
        var path = url.standardizedFileURL.path
        while path.count > 1, path.hasSuffix("/") { path.removeLast() }
        let name = (path as NSString).lastPathComponent
        guard !name.isEmpty, name != "/", name != ".", name != ".." else {
            throw AtomicWriteError(path: path, reason: "not a file or folder name")
        }
        var folder = (path as NSString).deletingLastPathComponent
        if folder.isEmpty { folder = "." }
        return (folder == "/" ? "" : folder, name)
    }

    /// A hidden name next to `name` owned by this process: `.<name>.<kind>-<pid>-<random>`.
    private static func temporaryName(of name: String, kind: String) -> String {
        let random = String(UInt64.random(in: 0...UInt64.max), radix: 16)
        return ".\(name).\(kind)-\(getpid())-\(random)"
    }

    /// Creates `folder` and its missing parents (`mkdir -p`), reporting failures against `target`.
    private static func makeFolders(_ folder: String, for target: String) throws(AtomicWriteError) {
        guard !folder.isEmpty else { return }
        var status = stat()
        if stat(folder, &status) == 0 {
            guard isFolder(status) else {
                throw AtomicWriteError(path: target, reason: "cannot create the folder \(folder): a file is in the way")
            }
            return
        }
        let parent = (folder as NSString).deletingLastPathComponent
        if !parent.isEmpty, parent != folder { try makeFolders(parent == "/" ? "" : parent, for: target) }
        if mkdir(folder, 0o755) != 0 {
            let code = errno
            if code == EEXIST, stat(folder, &status) == 0, isFolder(status) { return }  // created meanwhile
            let reason = code == EEXIST || code == ENOTDIR ? "a file is in the way" : errorText(code)
            throw AtomicWriteError(path: target, reason: "cannot create the folder \(folder): \(reason)")
        }
    }

    /// Creates `path` (which must not exist), writes `data`, flushes and closes it.
    private static func writeFile(_ data: Data, to path: String, reportingAs target: String) throws(AtomicWriteError) {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw AtomicWriteError(path: target, reason: "cannot create \(path): \(errorText(errno))")
        }
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
        if failure != 0 {
            unlink(path)
            throw AtomicWriteError(path: target, reason: "cannot write \(path): \(errorText(failure))")
        }
    }

    /// `rename(2)`, reporting a failure against `target`.
    private static func rename(_ from: String, _ to: String, reportingAs target: String) throws(AtomicWriteError) {
        guard systemRename(from, to) == 0 else {
            throw AtomicWriteError(path: target, reason: "cannot rename \(from) to \(to): \(errorText(errno))")
        }
    }

    /// Swaps two paths in one atomic step; `false` when the system or file system cannot (the caller
    /// then falls back to two renames).
    private static func exchange(_ first: String, _ second: String) -> Bool {
        #if os(Linux)
        guard let renameat2 = renameat2Function else { return false }
        let renameExchange: UInt32 = 2  // RENAME_EXCHANGE from <linux/fs.h>
        return renameat2(AT_FDCWD, first, AT_FDCWD, second, renameExchange) == 0
        #elseif canImport(Darwin)
        return renamex_np(first, second, UInt32(RENAME_SWAP)) == 0
        #else
        return false
        #endif
    }

    /// Flushes a folder's entries (after a rename) to disk; best effort.
    private static func syncFolder(_ folder: String) {
        let descriptor = open(folder.isEmpty ? "/" : folder, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else { return }
        _ = fsync(descriptor)
        close(descriptor)
    }

    /// Deletes a file or folder tree; best effort.
    private static func removeTree(_ path: String) {
        try? FileManager.default.removeItem(atPath: path)
    }

    /// Removes the temporaries of `name` in `folder` left by processes that no longer run (ours are
    /// `.<name>.tmp-<pid>-<hex>` and `.<name>.old-<pid>-<hex>`); a running process' temporaries are
    /// kept, since it may still be writing. With `restoringFolder`, when `target` is missing but a killed
    /// two-rename write left the previous folder under an `.old-` name, that folder is first put back.
    private static func removeStaleTemporaries(
        of name: String, in folder: String, target: String, restoringFolder: Bool
    ) {
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: folder.isEmpty ? "/" : folder) else {
            return
        }
        var stale: [(path: String, isOld: Bool)] = []
        for entry in entries {
            for kind in ["tmp", "old"] {
                let prefix = ".\(name).\(kind)-"
                guard entry.hasPrefix(prefix) else { continue }
                let rest = entry.dropFirst(prefix.count).split(separator: "-", omittingEmptySubsequences: false)
                guard rest.count == 2, let pid = Int32(rest[0]), pid > 0, UInt64(rest[1], radix: 16) != nil,
                    pid != getpid(), kill(pid, 0) != 0, errno == ESRCH
                else { continue }
                stale.append((folder + "/" + entry, kind == "old"))
            }
        }
        guard !stale.isEmpty else { return }
        var status = stat()
        if restoringFolder, lstat(target, &status) != 0, errno == ENOENT,
            let old = stale.filter(\.isOld).max(by: { modificationTime($0.path) < modificationTime($1.path) })
        {
            if systemRename(old.path, target) == 0 { stale.removeAll { $0.path == old.path } }
        }
        for entry in stale { removeTree(entry.path) }
        syncFolder(folder)
    }

    /// The modification time of `path` in seconds (0 when it cannot be read).
    private static func modificationTime(_ path: String) -> Double {
        var status = stat()
        guard lstat(path, &status) == 0 else { return 0 }
        #if canImport(Darwin)
        return Double(status.st_mtimespec.tv_sec) + Double(status.st_mtimespec.tv_nsec) / 1e9
        #else
        return Double(status.st_mtim.tv_sec) + Double(status.st_mtim.tv_nsec) / 1e9
        #endif
    }
}

/// Whether a `stat` result is a folder.
private func isFolder(_ status: stat) -> Bool { (status.st_mode & S_IFMT) == S_IFDIR }

/// The operating system's text for an error number ("No such file or directory").
private func errorText(_ code: Int32) -> String { String(cString: strerror(code)) }

/// POSIX `rename(2)`, named apart from the throwing helper.
private func systemRename(_ from: String, _ to: String) -> Int32 {
    #if canImport(Glibc)
    Glibc.rename(from, to)
    #elseif canImport(Musl)
    Musl.rename(from, to)
    #else
    Darwin.rename(from, to)
    #endif
}

/// POSIX `write(2)`, named apart from ``AtomicFile/write(_:to:creatingParentFolders:)``.
private func systemWrite(_ descriptor: Int32, _ bytes: UnsafeRawPointer, _ count: Int) -> Int {
    write(descriptor, bytes, count)
}

#if os(Linux)
/// `renameat2(2)`, looked up at run time: Swift's Glibc module does not declare it (it needs
/// `_GNU_SOURCE`), and C libraries before glibc 2.28 lack it.
private typealias RenameAt2 =
    @convention(c) (Int32, UnsafePointer<CChar>?, Int32, UnsafePointer<CChar>?, UInt32) -> Int32
private let renameat2Function: RenameAt2? = {
    guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "renameat2") else { return nil }
    return unsafeBitCast(symbol, to: RenameAt2.self)
}()
#endif
