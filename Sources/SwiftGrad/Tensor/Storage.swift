#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reference-counted memory behind one or more array views.
///
/// Memory is either allocated here (freed on deinit) or
/// borrowed from a caller, who is told through `release` when the last view
/// of it goes.
public final class Storage {
    let base: UnsafeMutableRawPointer
    private let release: (() -> Void)?

    /// Allocates `byteCount` uninitialized bytes.
    init(byteCount: Int, op: String) throws {
        var pointer: UnsafeMutableRawPointer?
        // Small arrays take malloc's fast path (16-byte aligned, served
        // from the thread's cache); large ones are aligned for vector loads.
        if byteCount < 1024 {
            pointer = malloc(max(byteCount, 1))
        } else if posix_memalign(&pointer, 64, byteCount) != 0 {
            pointer = nil
        }
        guard let pointer else {
            throw SwiftGradError(.memory, op, "cannot allocate \(byteCount) bytes")
        }
        base = pointer
        release = nil
    }

    /// Wraps memory owned elsewhere; `release` runs when the storage dies.
    init(borrowing base: UnsafeMutableRawPointer, release: (() -> Void)?) {
        self.base = base
        self.release = release ?? {}
    }

    deinit {
        if let release { release() } else { free(base) }
    }
}
