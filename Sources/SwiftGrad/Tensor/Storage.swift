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
    /// How many in-place writes the memory has had, so a backward pass can
    /// tell whether a value it saved was overwritten since.
    private(set) var version = 0
    /// The bytes allocated here; 0 for borrowed memory.
    let byteCount: Int

    /// Records an in-place write.
    func bumpVersion() { version &+= 1 }

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
        self.byteCount = byteCount
        release = nil
        isWritable = true
    }

    /// Whether in-place writes (`x[i] = v`) may change the memory.
    let isWritable: Bool

    /// Wraps memory owned elsewhere; `release` runs when the storage dies.
    init(borrowing base: UnsafeMutableRawPointer, release: (() -> Void)?, writable: Bool = true) {
        self.base = base
        self.release = release ?? {}
        byteCount = 0
        isWritable = writable
    }

    deinit {
        if let release { release() } else { free(base) }
    }
}
