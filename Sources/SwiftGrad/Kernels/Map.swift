import CVectorMath

// The elementwise loops. Each is generic over the scalar function's type
// (a struct, never a closure), so every specialization calls the function
// directly, inlines it into the row loop, and the compiler vectorizes the
// unit-stride rows.

/// A scalar function of one element.
protocol ScalarMap {
    associatedtype Input
    associatedtype Output
    func callAsFunction(_ x: Input) -> Output
}

/// A scalar function of two elements of one type.
protocol ScalarZip {
    associatedtype Input
    associatedtype Output
    func callAsFunction(_ a: Input, _ b: Input) -> Output
}

/// `out[i] = f(x[i])`; `x` has `out`'s shape (or broadcasts to it).
func mapLoop<F: ScalarMap>(_ x: NDArray, into out: NDArray, _ f: F) {
    let src = x.pointer(F.Input.self), dst = out.pointer(F.Output.self)
    StridedLoop(shape: out.shape, out.strides, broadcasting: x, inMemoryOrder: true)
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
func vectorMapLoop<F: ScalarMap>(_ function: sg_vmath_function, _ x: NDArray, into out: NDArray, _ f: F)
where F.Input == F.Output {
    let src = x.pointer(F.Input.self), dst = out.pointer(F.Output.self)
    StridedLoop(shape: out.shape, out.strides, broadcasting: x, inMemoryOrder: true)
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
func zipLoop<F: ScalarZip>(_ a: NDArray, _ b: NDArray, into out: NDArray, _ f: F) {
    let pa = a.pointer(F.Input.self), pb = b.pointer(F.Input.self), dst = out.pointer(F.Output.self)
    StridedLoop(shape: out.shape, out.strides, broadcasting: a, b, inMemoryOrder: true)
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

/// The function whose value is `value` everywhere (fills).
struct ConstantMap<Input, Output>: ScalarMap {
    let value: Output
    @inline(__always) func callAsFunction(_: Input) -> Output { value }
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
        mapLoop(x, into: out, Converting<T, U>())
    }
}

private struct Converting<T: Element, U: Element>: ScalarMap {
    @inline(__always) func callAsFunction(_ x: T) -> U {
        T.self == U.self ? unsafeBitCast(x, to: U.self) : U(converting: x)
    }
}
