#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Philox4x32-10, the counter-based generator of Salmon et al., "Parallel
/// Random Numbers: As Easy as 1, 2, 3" (SC11): a keyed bijection of a
/// 128-bit counter, so block b of a stream is a pure function of (key, b)
/// and any range of a stream can be computed on any thread.
///
/// One round maps counter words (x0, x1, x2, x3) and key words (k0, k1) to
///
///     hi0:lo0 = 0xD2511F53 · x0      hi1:lo1 = 0xCD9E8D57 · x2   (64-bit products)
///     (hi1 ^ x1 ^ k0, lo1, hi0 ^ x3 ^ k1, lo0)
///
/// and the key is bumped by (0x9E3779B9, 0xBB67AE85) between rounds; ten
/// rounds make one block of four 32-bit words.
struct Philox4x32 {
    let key: (UInt32, UInt32)

    init(key: (UInt32, UInt32)) { self.key = key }

    /// A 64-bit seed as the key: low word first.
    init(seed: UInt64) {
        key = (UInt32(truncatingIfNeeded: seed), UInt32(truncatingIfNeeded: seed >> 32))
    }

    @inline(__always)
    func block(_ counter: (UInt32, UInt32, UInt32, UInt32)) -> (UInt32, UInt32, UInt32, UInt32) {
        var (x0, x1, x2, x3) = counter
        var (k0, k1) = key
        for round in 0..<10 {
            if round > 0 {
                k0 &+= 0x9E37_79B9
                k1 &+= 0xBB67_AE85
            }
            let p0 = UInt64(0xD251_1F53) &* UInt64(x0)
            let p1 = UInt64(0xCD9E_8D57) &* UInt64(x2)
            (x0, x1, x2, x3) = (UInt32(truncatingIfNeeded: p1 >> 32) ^ x1 ^ k0, UInt32(truncatingIfNeeded: p1),
                                UInt32(truncatingIfNeeded: p0 >> 32) ^ x3 ^ k1, UInt32(truncatingIfNeeded: p0))
        }
        return (x0, x1, x2, x3)
    }

    /// Block `index` of a stream: counter (low word of index, high word,
    /// `draw`, 0), where `draw` numbers the extra blocks a rejection
    /// sampler may need.
    @inline(__always)
    func block(at index: UInt64, draw: UInt32 = 0) -> (UInt32, UInt32, UInt32, UInt32) {
        block((UInt32(truncatingIfNeeded: index), UInt32(truncatingIfNeeded: index >> 32), draw, 0))
    }
}

/// Two 32-bit words as one 64-bit integer, the first word low.
@inline(__always) func joined(_ low: UInt32, _ high: UInt32) -> UInt64 { UInt64(high) << 32 | UInt64(low) }

/// The top 53 bits of `bits` as a double in [0, 1).
@inline(__always) func unitDouble(_ bits: UInt64) -> Double { Double(bits >> 11) * 0x1p-53 }

/// The top 24 bits of `bits` as a float in [0, 1).
@inline(__always) func unitFloat(_ bits: UInt32) -> Float { Float(bits >> 8) * 0x1p-24 }

/// Fills the `count` elements of `out` (contiguous) with stream elements
/// `start`, `start + 1`, …: element e is half `e & 1` of `pair(e >> 1)`,
/// so each Philox block serves two neighbours. Split over the worker pool
/// when large; the result does not depend on the split.
func fillPairs<T>(_ out: UnsafeMutablePointer<T>, count: Int, start: UInt64,
                  _ pair: (UInt64) -> (T, T)) {
    let chunk = 1 << 16
    let tasks = (count + chunk - 1) / chunk
    WorkerPool.shared.run(tasks: tasks) { task in
        var i = task * chunk
        let upper = min(count, i + chunk)
        while i < upper {
            let e = start &+ UInt64(i)
            let (a, b) = pair(e >> 1)
            if e & 1 == 0 {
                out[i] = a
                if i + 1 < upper { out[i + 1] = b }
                i += 2
            } else {
                out[i] = b
                i += 1
            }
        }
    }
}
