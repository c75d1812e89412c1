import CKernels

/// Data-parallel loops on a small persistent thread pool, used by the matrix kernels and layers.
///
/// Work is split into *chunks* whose results do not depend on which thread computes them (disjoint
/// rows of an output, never a shared running sum), so a model trains to bit-identical weights with
/// any thread count. The pool uses ``threadCount`` threads, the caller's included: the
/// `REK_NUM_THREADS` environment variable if set, otherwise every online CPU.
///
///     // Normalize rows in two halves, on two threads when available.
///     let halves = Parallel.partition(rows, into: Parallel.threadCount, multipleOf: 1)
///     Parallel.forEach(halves.count) { chunk in
///         for row in halves[chunk] { normalize(row) }
///     }
///
/// Calls made from inside a chunk, or while another thread is using the pool, run serially.
public enum Parallel {
    /// The number of threads parallel loops use (1 turns threading off). Settable at any time.
    public static var threadCount: Int {
        get { Int(rek_thread_count()) }
        set { rek_set_thread_count(Int32(clamping: newValue)) }
    }

    /// The threads a loop started here would use: 1 inside a chunk of another loop, else ``threadCount``.
    public static var availableThreads: Int { Int(rek_parallel_available()) }

    /// Calls `body(chunk)` for every chunk in `0 ..< count`, concurrently on the pool's threads, and
    /// returns when all have finished. `body` must be safe to run concurrently for different chunks.
    public static func forEach(_ count: Int, _ body: (Int) -> Void) {
        guard count > 1, availableThreads > 1 else {
            for chunk in 0..<Swift.max(0, count) { body(chunk) }
            return
        }
        withoutActuallyEscaping(body) { body in
            var task = body
            withUnsafeMutablePointer(to: &task) { pointer in
                rek_parallel_for(
                    count,
                    { context, chunk in
                        context!.assumingMemoryBound(to: ((Int) -> Void).self).pointee(chunk)
                    }, pointer)
            }
        }
    }

    /// Copies `count` floats from `source` to the uninitialized or initialized memory at `target`
    /// (the two must not overlap), in bands on the pool's threads when the copy is large enough to
    /// be worth sharing (a batch sliced out of a data set, a batch of outputs copied into a result).
    public static func copy(from source: UnsafePointer<Float>, to target: UnsafeMutablePointer<Float>, count: Int) {
        let bands = partition(count, into: count >= 1 << 15 ? availableThreads : 1, multipleOf: 16)
        forEach(bands.count) { band in
            (target + bands[band].lowerBound).update(from: source + bands[band].lowerBound, count: bands[band].count)
        }
    }

    /// Splits `0 ..< total` into at most `parts` consecutive, non-empty ranges whose lengths are
    /// multiples of `multipleOf` (except the last), for handing to ``forEach(_:_:)``.
    public static func partition(_ total: Int, into parts: Int, multipleOf: Int = 1) -> [Range<Int>] {
        guard total > 0 else { return [] }
        let unit = Swift.max(1, multipleOf)
        let share = ((total + Swift.max(1, parts) - 1) / Swift.max(1, parts) + unit - 1) / unit * unit
        return stride(from: 0, to: total, by: share).map { $0..<Swift.min($0 + share, total) }
    }
}
