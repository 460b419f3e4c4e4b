import CVectorMath

// The elementwise loops. Each takes its body as a closure that is inlined
// into the loop (the loops are `@inline(__always)` and called from code
// specialized per element type), so the compiler sees the scalar function
// and can vectorize the unit-stride case.

/// `out[i] = f(x[i])`; `x` has `out`'s shape (or broadcasts to it).
@inline(__always)
func mapLoop<T, U>(_ x: NDArray, into out: NDArray, _ f: (T) -> U) {
    let src = x.pointer(T.self), dst = out.pointer(U.self)
    StridedLoop(shape: out.shape, out.strides, broadcastStrides(x, to: out.shape))
        .forEachRowInParallel { o, i, _, n, so, si, _ in
            let d = dst + o, s = src + i
            if so == 1 && si == 1 {
                for e in 0..<n { d[e] = f(s[e]) }
            } else if so == 1 && si == 0 {
                let v = f(s[0])
                for e in 0..<n { d[e] = v }
            } else {
                for e in 0..<n { d[e &* so] = f(s[e &* si]) }
            }
        }
}

/// `mapLoop` for an elementary function that SLEEF vectorizes: unit-stride
/// rows of float32 and float64 go to SLEEF, everything else to `f`.
@inline(__always)
func vectorMapLoop<T>(_ function: sg_vmath_function, _ x: NDArray, into out: NDArray, _ f: (T) -> T) {
    let src = x.pointer(T.self), dst = out.pointer(T.self)
    StridedLoop(shape: out.shape, out.strides, broadcastStrides(x, to: out.shape))
        .forEachRowInParallel { o, i, _, n, so, si, _ in
            let d = dst + o, s = src + i
            if so == 1 && si == 1 {
                if vectorized(function, s, d, n) { return }
                for e in 0..<n { d[e] = f(s[e]) }
            } else {
                for e in 0..<n { d[e &* so] = f(s[e &* si]) }
            }
        }
}

@inline(__always)
private func vectorized<T>(_ function: sg_vmath_function, _ x: UnsafeMutablePointer<T>,
                           _ y: UnsafeMutablePointer<T>, _ n: Int) -> Bool {
    if T.self == Float.self {
        return sg_vmath_f32(function, UnsafeRawPointer(x).assumingMemoryBound(to: Float.self),
                            UnsafeMutableRawPointer(y).assumingMemoryBound(to: Float.self), n) != 0
    }
    if T.self == Double.self {
        return sg_vmath_f64(function, UnsafeRawPointer(x).assumingMemoryBound(to: Double.self),
                            UnsafeMutableRawPointer(y).assumingMemoryBound(to: Double.self), n) != 0
    }
    return false
}

/// `out[i] = f(a[i], b[i])` with `a` and `b` broadcast to `out`'s shape.
@inline(__always)
func zipLoop<T, U>(_ a: NDArray, _ b: NDArray, into out: NDArray, _ f: (T, T) -> U) {
    let pa = a.pointer(T.self), pb = b.pointer(T.self), dst = out.pointer(U.self)
    StridedLoop(shape: out.shape, out.strides, broadcastStrides(a, to: out.shape), broadcastStrides(b, to: out.shape))
        .forEachRowInParallel { o, i, j, n, so, si, sj in
            let d = dst + o, x = pa + i, y = pb + j
            // Unit and zero steps get loops the compiler can vectorize.
            if so == 1 && si == 1 && sj == 1 {
                for e in 0..<n { d[e] = f(x[e], y[e]) }
            } else if so == 1 && si == 1 && sj == 0 {
                let v = y[0]
                for e in 0..<n { d[e] = f(x[e], v) }
            } else if so == 1 && si == 0 && sj == 1 {
                let v = x[0]
                for e in 0..<n { d[e] = f(v, y[e]) }
            } else {
                for e in 0..<n { d[e &* so] = f(x[e &* si], y[e &* sj]) }
            }
        }
}

/// Copies `x` into `out` (same shape, or broadcasting), converting each
/// element to `out`'s dtype.
func convert(_ x: NDArray, into out: NDArray) throws {
    try x.dtype.dispatch(ConvertFrom(x: x, out: out))
}

private struct ConvertFrom: ElementVisitor {
    let x: NDArray, out: NDArray
    func visit<T: Element>(_: T.Type) throws {
        try out.dtype.dispatch(ConvertTo<T>(x: x, out: out))
    }
}

private struct ConvertTo<T: Element>: ElementVisitor {
    let x: NDArray, out: NDArray
    func visit<U: Element>(_: U.Type) {
        if T.self == U.self {
            mapLoop(x, into: out) { (v: T) in v }
        } else {
            mapLoop(x, into: out) { (v: T) in U(converting: v) }
        }
    }
}
