import ComplexModule
import CVectorMath

// The elementwise primitives: `UnaryOp` and `BinaryOp` list them (in the
// order of the C enums), and each case's definition gives its name, one
// kernel per accepted dtype, and its derivative. A kernel is made from a
// scalar function generic over an element family (`FloatingMap`: real and
// complex floats, `IntegerMap`, …) by the family's maker, which is the
// only place a dtype becomes a Swift type.

/// How the gradient flows through an elementwise op. Written out for every
/// op, so none lacks a rule by omission.
enum Derivative<Rule> {
    /// A formula in tensor operations (PyTorch's convention for complex
    /// inputs: the cotangent times the conjugate derivative).
    case rule(Rule)
    /// Piecewise constant (floor, sign): the gradient is zero.
    case zero
    /// Not differentiable (integer and boolean results): cuts the gradient.
    case none
}

/// A loop over one dtype: reads the operands (one or two) and writes `out`.
struct ElementwiseKernel {
    let output: DType
    /// `body(a, b, out)`; a unary kernel ignores `b`.
    fileprivate let body: (NDArray, NDArray, NDArray) -> Void

    func run(_ a: NDArray, _ b: NDArray? = nil, into out: NDArray) { body(a, b ?? a, out) }
    func run(_ inputs: [NDArray], into out: NDArray) { body(inputs[0], inputs.count > 1 ? inputs[1] : inputs[0], out) }
}

/// Kernels indexed by the input dtype's raw value.
struct KernelTable {
    var kernels = [ElementwiseKernel?](repeating: nil, count: DType.allCases.count)

    subscript(dtype: DType) -> ElementwiseKernel? {
        get { kernels[Int(dtype.rawValue)] }
        set { kernels[Int(dtype.rawValue)] = newValue }
    }

    /// The dtypes with a kernel.
    var dtypes: [DType] { DType.allCases.filter { self[$0] != nil } }

    /// This table with `other`'s kernels added.
    func merging(_ other: KernelTable) -> KernelTable {
        var result = self
        for dtype in other.dtypes where result[dtype] == nil { result[dtype] = other[dtype] }
        return result
    }

    static func + (a: KernelTable, b: KernelTable) -> KernelTable { a.merging(b) }
}

/// Why an elementwise op refuses a dtype: `[sin] integer inputs are not supported`.
func unsupported(_ op: String, _ dtype: DType) -> SwiftGradError {
    let what: String
    switch dtype.kind {
    case .bool: what = "boolean"
    case .signedInteger, .unsignedInteger: what = "integer"
    case .realFloating: what = "real floating-point"
    case .complexFloating: what = "complex"
    }
    return SwiftGradError.type(op, "\(what) inputs are not supported (got \(dtype))")
}

/// The zeros of `x`'s shape and dtype (the gradient of a piecewise constant op).
func zerosGradient(like x: Tensor) throws -> Tensor {
    try Tensor.apply(FullLike(value: .int(0), dtype: x.dtype), x)
}

// MARK: Primitives

/// A unary elementwise primitive.
struct Unary: Primitive {
    let op: UnaryOp
    var name: String { op.name }

    func outputType(_ inputs: [TensorType]) throws -> TensorType {
        let x = inputs[0]
        guard let kernel = op.definition.kernels[x.dtype] else { throw unsupported(name, x.dtype) }
        return TensorType(kernel.output, x.shape)
    }

    func evaluate(_ inputs: [NDArray], into out: NDArray) throws {
        guard let kernel = op.definition.kernels[inputs[0].dtype] else { throw unsupported(name, inputs[0].dtype) }
        kernel.run(inputs, into: out)
    }

    func vjpReads(input i: Int) -> Bool { op.derivativeReads.input }
    var vjpReadsResult: Bool { op.derivativeReads.result }

    func vjp(_ inputs: [Tensor], _ result: Tensor, _ g: Tensor, wrt i: Int) throws -> Tensor? {
        switch op.definition.derivative {
        case .rule(let rule): return try rule(inputs[0], result, g)
        case .zero: return try zerosGradient(like: inputs[0])
        case .none: return nil
        }
    }
}

/// A binary elementwise primitive over two operands of one dtype,
/// broadcast together.
struct Binary: Primitive {
    let op: BinaryOp
    var name: String { op.name }

    func outputType(_ inputs: [TensorType]) throws -> TensorType {
        let a = inputs[0], b = inputs[1]
        guard a.dtype == b.dtype else {
            throw SwiftGradError.type(name, "dtypes \(a.dtype) and \(b.dtype) differ")
        }
        guard let kernel = op.definition.kernels[a.dtype] else { throw unsupported(name, a.dtype) }
        return TensorType(kernel.output, try broadcastShapes(a.shape, b.shape, name))
    }

    func evaluate(_ inputs: [NDArray], into out: NDArray) throws {
        guard let kernel = op.definition.kernels[inputs[0].dtype] else { throw unsupported(name, inputs[0].dtype) }
        kernel.run(inputs, into: out)
    }

    func vjpReads(input i: Int) -> Bool { i == 0 ? op.derivativeReads.a : op.derivativeReads.b }
    var vjpReadsResult: Bool { op.derivativeReads.result }

    func vjp(_ inputs: [Tensor], _ result: Tensor, _ g: Tensor, wrt i: Int) throws -> Tensor? {
        let gradient: Tensor
        switch op.definition.derivative {
        case .rule(let rule):
            guard let d = try rule(inputs[0], inputs[1], result, g, i) else { return nil }
            gradient = d
        case .zero: return try zerosGradient(like: inputs[i])
        case .none: return nil
        }
        return try gradient.sum(toShapeOf: inputs[i])
    }
}

/// An array of the input's shape filled with `value` (zeros_like and the
/// like); the value does not depend on the input's elements.
struct FullLike: Primitive {
    let value: Scalar
    let dtype: DType
    var name: String { "full_like" }

    func outputType(_ inputs: [TensorType]) throws -> TensorType { TensorType(dtype, inputs[0].shape) }

    func evaluate(_ inputs: [NDArray], into out: NDArray) throws {
        try dtype.dispatch(FillVisitor(out: out, value: value))
    }

    private struct FillVisitor: ElementVisitor {
        let out: NDArray, value: Scalar
        func visit<T: Element>(_: T.Type) {
            let x = T(value)
            mapLoop(out, into: out, ConstantMap<T, T>(value: x))
        }
    }

    func vjp(_ inputs: [Tensor], _ result: Tensor, _ g: Tensor, wrt i: Int) throws -> Tensor? { nil }
}

// MARK: Scalar functions by family

protocol NumberMap { func callAsFunction<T: NumberElement>(_ x: T) -> T }
protocol RealMap { func callAsFunction<T: RealElement>(_ x: T) -> T }
protocol IntegerMap { func callAsFunction<T: IntegerElement>(_ x: T) -> T }
protocol FloatMap {
    func callAsFunction<T: FloatElement>(_ x: T) -> T
    /// The SLEEF function computing the same on float32/float64 arrays.
    var vector: sg_vmath_function? { get }
}
protocol FloatingMap {
    func callAsFunction<T: FloatingElement>(_ x: T) -> T
    var vector: sg_vmath_function? { get }
}

extension FloatMap { var vector: sg_vmath_function? { nil } }
extension FloatingMap { var vector: sg_vmath_function? { nil } }
protocol ComplexMap { func callAsFunction<T: ComplexElement>(_ x: T) -> T }
protocol ComplexPartMap { func callAsFunction<T: ComplexElement>(_ x: T) -> T.Part }
protocol FloatTest { func callAsFunction<T: FloatElement>(_ x: T) -> Bool }
protocol ComplexTest { func callAsFunction<T: ComplexElement>(_ x: T) -> Bool }

protocol NumberZip { func callAsFunction<T: NumberElement>(_ a: T, _ b: T) -> T }
protocol RealZip { func callAsFunction<T: RealElement>(_ a: T, _ b: T) -> T }
protocol IntegerZip { func callAsFunction<T: IntegerElement>(_ a: T, _ b: T) -> T }
protocol FloatZip { func callAsFunction<T: FloatElement>(_ a: T, _ b: T) -> T }
protocol ComplexZip { func callAsFunction<T: ComplexElement>(_ a: T, _ b: T) -> T }
protocol FloatingZip { func callAsFunction<T: FloatingElement>(_ a: T, _ b: T) -> T }
protocol ElementComparison { func callAsFunction<T: Element>(_ a: T, _ b: T) -> Bool }
protocol RealComparison { func callAsFunction<T: RealElement>(_ a: T, _ b: T) -> Bool }

// MARK: Kernel makers

// Each maker pins the family's generic function to one element type (the
// `…At` structs below), so the loop is specialized with it and inlines it.

extension KernelTable {
    init(_ entries: [(DType, ElementwiseKernel)]) {
        for (dtype, kernel) in entries { self[dtype] = kernel }
    }
}

/// A kernel over one input dtype.
@inline(__always)
private func kernel<T: Element, U: Element>(_: T.Type, _: U.Type, _ loop: @escaping (NDArray, NDArray, NDArray) -> Void) -> (DType, ElementwiseKernel) {
    (T.dtype, ElementwiseKernel(output: U.dtype, body: loop))
}

enum Kernels {
    static func integers<F: IntegerMap>(_ f: F) -> KernelTable {
        func k<T: IntegerElement>(_ t: T.Type) -> (DType, ElementwiseKernel) {
            kernel(t, t) { a, _, o in mapLoop(a, into: o, IntegerMapAt<F, T>(f: f)) }
        }
        return KernelTable([k(Int8.self), k(Int16.self), k(Int32.self), k(Int64.self), k(UInt8.self), k(UInt16.self), k(UInt32.self), k(UInt64.self)])
    }

    static func floats<F: FloatMap>(_ f: F) -> KernelTable {
        func k<T: FloatElement>(_ t: T.Type) -> (DType, ElementwiseKernel) {
            if let v = f.vector { return kernel(t, t) { a, _, o in vectorMapLoop(v, a, into: o, FloatMapAt<F, T>(f: f)) } }
            return kernel(t, t) { a, _, o in mapLoop(a, into: o, FloatMapAt<F, T>(f: f)) }
        }
        return KernelTable([k(Float.self), k(Double.self)])
    }

    static func complexes<F: ComplexMap>(_ f: F) -> KernelTable {
        func k<T: ComplexElement>(_ t: T.Type) -> (DType, ElementwiseKernel) {
            kernel(t, t) { a, _, o in mapLoop(a, into: o, ComplexMapAt<F, T>(f: f)) }
        }
        return KernelTable([k(Complex<Float>.self), k(Complex<Double>.self)])
    }

    static func complexParts<F: ComplexPartMap>(_ f: F) -> KernelTable {
        func k<T: ComplexElement>(_ t: T.Type) -> (DType, ElementwiseKernel) {
            kernel(t, T.Part.self) { a, _, o in mapLoop(a, into: o, ComplexPartMapAt<F, T>(f: f)) }
        }
        return KernelTable([k(Complex<Float>.self), k(Complex<Double>.self)])
    }

    static func floating<F: FloatingMap>(_ f: F) -> KernelTable {
        func k<T: FloatingElement>(_ t: T.Type) -> (DType, ElementwiseKernel) {
            if let v = f.vector { return kernel(t, t) { a, _, o in vectorMapLoop(v, a, into: o, FloatingMapAt<F, T>(f: f)) } }
            return kernel(t, t) { a, _, o in mapLoop(a, into: o, FloatingMapAt<F, T>(f: f)) }
        }
        return KernelTable([k(Float.self), k(Double.self), k(Complex<Float>.self), k(Complex<Double>.self)])
    }

    static func reals<F: RealMap>(_ f: F) -> KernelTable {
        integers(RealMapOnIntegers(f: f)) + floats(RealMapOnFloats(f: f))
    }

    static func numbers<F: NumberMap>(_ f: F) -> KernelTable {
        reals(NumberMapOnReals(f: f)) + complexes(NumberMapOnComplexes(f: f))
    }

    /// A predicate on floats and complex numbers; integers give
    /// `integerValue` (no integer is NaN or infinite).
    static func tests<F: FloatTest, C: ComplexTest>(_ f: F, _ c: C, integers integerValue: Bool) -> KernelTable {
        func k<T: FloatElement>(_ t: T.Type) -> (DType, ElementwiseKernel) {
            kernel(t, Bool.self) { a, _, o in mapLoop(a, into: o, FloatTestAt<F, T>(f: f)) }
        }
        func kc<T: ComplexElement>(_ t: T.Type) -> (DType, ElementwiseKernel) {
            kernel(t, Bool.self) { a, _, o in mapLoop(a, into: o, ComplexTestAt<C, T>(f: c)) }
        }
        func ki<T: IntegerElement>(_ t: T.Type) -> (DType, ElementwiseKernel) {
            kernel(t, Bool.self) { _, _, o in mapLoop(o, into: o, ConstantMap<Bool, Bool>(value: integerValue)) }
        }
        return KernelTable([k(Float.self), k(Double.self), kc(Complex<Float>.self), kc(Complex<Double>.self)]
                           + [ki(Int8.self), ki(Int16.self), ki(Int32.self), ki(Int64.self), ki(UInt8.self), ki(UInt16.self), ki(UInt32.self), ki(UInt64.self)])
    }

    /// Bool → bool.
    static func booleans<F: ScalarMap>(_ f: F) -> KernelTable where F.Input == Bool, F.Output == Bool {
        KernelTable([kernel(Bool.self, Bool.self) { a, _, o in mapLoop(a, into: o, f) }])
    }

    // Binary

    static func integers<F: IntegerZip>(_ f: F) -> KernelTable {
        func k<T: IntegerElement>(_ t: T.Type) -> (DType, ElementwiseKernel) {
            kernel(t, t) { a, b, o in zipLoop(a, b, into: o, IntegerZipAt<F, T>(f: f)) }
        }
        return KernelTable([k(Int8.self), k(Int16.self), k(Int32.self), k(Int64.self), k(UInt8.self), k(UInt16.self), k(UInt32.self), k(UInt64.self)])
    }

    static func floats<F: FloatZip>(_ f: F) -> KernelTable {
        func k<T: FloatElement>(_ t: T.Type) -> (DType, ElementwiseKernel) {
            kernel(t, t) { a, b, o in zipLoop(a, b, into: o, FloatZipAt<F, T>(f: f)) }
        }
        return KernelTable([k(Float.self), k(Double.self)])
    }

    static func floating<F: FloatingZip>(_ f: F) -> KernelTable {
        func k<T: FloatingElement>(_ t: T.Type) -> (DType, ElementwiseKernel) {
            kernel(t, t) { a, b, o in zipLoop(a, b, into: o, FloatingZipAt<F, T>(f: f)) }
        }
        return KernelTable([k(Float.self), k(Double.self), k(Complex<Float>.self), k(Complex<Double>.self)])
    }

    static func complexes<F: ComplexZip>(_ f: F) -> KernelTable {
        func k<T: ComplexElement>(_ t: T.Type) -> (DType, ElementwiseKernel) {
            kernel(t, t) { a, b, o in zipLoop(a, b, into: o, ComplexZipAt<F, T>(f: f)) }
        }
        return KernelTable([k(Complex<Float>.self), k(Complex<Double>.self)])
    }

    static func reals<F: RealZip>(_ f: F) -> KernelTable {
        integers(RealZipOnIntegers(f: f)) + floats(RealZipOnFloats(f: f))
    }

    static func numbers<F: NumberZip>(_ f: F) -> KernelTable {
        func k<T: ComplexElement>(_ t: T.Type) -> (DType, ElementwiseKernel) {
            kernel(t, t) { a, b, o in zipLoop(a, b, into: o, NumberZipAt<F, T>(f: f)) }
        }
        return reals(NumberZipOnReals(f: f)) + KernelTable([k(Complex<Float>.self), k(Complex<Double>.self)])
    }

    /// Equality-like comparisons: every dtype, bool output.
    static func comparisons<F: ElementComparison>(_ f: F) -> KernelTable {
        func k<T: Element>(_ t: T.Type) -> (DType, ElementwiseKernel) {
            kernel(t, Bool.self) { a, b, o in zipLoop(a, b, into: o, ElementComparisonAt<F, T>(f: f)) }
        }
        return KernelTable([k(Bool.self), k(Float.self), k(Double.self), k(Complex<Float>.self), k(Complex<Double>.self)]
                           + [k(Int8.self), k(Int16.self), k(Int32.self), k(Int64.self), k(UInt8.self), k(UInt16.self), k(UInt32.self), k(UInt64.self)])
    }

    /// Order comparisons: integers and real floats, bool output.
    static func orderings<F: RealComparison>(_ f: F) -> KernelTable {
        func k<T: RealElement>(_ t: T.Type) -> (DType, ElementwiseKernel) {
            kernel(t, Bool.self) { a, b, o in zipLoop(a, b, into: o, RealComparisonAt<F, T>(f: f)) }
        }
        return KernelTable([k(Float.self), k(Double.self)] + [k(Int8.self), k(Int16.self), k(Int32.self), k(Int64.self), k(UInt8.self), k(UInt16.self), k(UInt32.self), k(UInt64.self)])
    }

    static func booleans<F: ScalarZip>(_ f: F) -> KernelTable where F.Input == Bool, F.Output == Bool {
        KernelTable([kernel(Bool.self, Bool.self) { a, b, o in zipLoop(a, b, into: o, f) }])
    }
}

// A family's function is also one of each narrower family.
private struct RealMapOnIntegers<F: RealMap>: IntegerMap { let f: F; func callAsFunction<T: IntegerElement>(_ x: T) -> T { f(x) } }
private struct RealMapOnFloats<F: RealMap>: FloatMap { let f: F; func callAsFunction<T: FloatElement>(_ x: T) -> T { f(x) } }
private struct NumberMapOnReals<F: NumberMap>: RealMap { let f: F; func callAsFunction<T: RealElement>(_ x: T) -> T { f(x) } }
private struct NumberMapOnComplexes<F: NumberMap>: ComplexMap { let f: F; func callAsFunction<T: ComplexElement>(_ x: T) -> T { f(x) } }
private struct RealZipOnIntegers<F: RealZip>: IntegerZip { let f: F; func callAsFunction<T: IntegerElement>(_ a: T, _ b: T) -> T { f(a, b) } }
private struct RealZipOnFloats<F: RealZip>: FloatZip { let f: F; func callAsFunction<T: FloatElement>(_ a: T, _ b: T) -> T { f(a, b) } }
private struct NumberZipOnReals<F: NumberZip>: RealZip { let f: F; func callAsFunction<T: RealElement>(_ a: T, _ b: T) -> T { f(a, b) } }

// A family's function pinned to one element type: what the loops take.
private struct IntegerMapAt<F: IntegerMap, T: IntegerElement>: ScalarMap { let f: F; @inline(__always) func callAsFunction(_ x: T) -> T { f(x) } }
private struct FloatMapAt<F: FloatMap, T: FloatElement>: ScalarMap { let f: F; @inline(__always) func callAsFunction(_ x: T) -> T { f(x) } }
private struct ComplexMapAt<F: ComplexMap, T: ComplexElement>: ScalarMap { let f: F; @inline(__always) func callAsFunction(_ x: T) -> T { f(x) } }
private struct ComplexPartMapAt<F: ComplexPartMap, T: ComplexElement>: ScalarMap { let f: F; @inline(__always) func callAsFunction(_ x: T) -> T.Part { f(x) } }
private struct FloatingMapAt<F: FloatingMap, T: FloatingElement>: ScalarMap { let f: F; @inline(__always) func callAsFunction(_ x: T) -> T { f(x) } }
private struct FloatTestAt<F: FloatTest, T: FloatElement>: ScalarMap { let f: F; @inline(__always) func callAsFunction(_ x: T) -> Bool { f(x) } }
private struct ComplexTestAt<F: ComplexTest, T: ComplexElement>: ScalarMap { let f: F; @inline(__always) func callAsFunction(_ x: T) -> Bool { f(x) } }
private struct IntegerZipAt<F: IntegerZip, T: IntegerElement>: ScalarZip { let f: F; @inline(__always) func callAsFunction(_ a: T, _ b: T) -> T { f(a, b) } }
private struct FloatZipAt<F: FloatZip, T: FloatElement>: ScalarZip { let f: F; @inline(__always) func callAsFunction(_ a: T, _ b: T) -> T { f(a, b) } }
private struct FloatingZipAt<F: FloatingZip, T: FloatingElement>: ScalarZip { let f: F; @inline(__always) func callAsFunction(_ a: T, _ b: T) -> T { f(a, b) } }
private struct ComplexZipAt<F: ComplexZip, T: ComplexElement>: ScalarZip { let f: F; @inline(__always) func callAsFunction(_ a: T, _ b: T) -> T { f(a, b) } }
private struct NumberZipAt<F: NumberZip, T: NumberElement>: ScalarZip { let f: F; @inline(__always) func callAsFunction(_ a: T, _ b: T) -> T { f(a, b) } }
private struct ElementComparisonAt<F: ElementComparison, T: Element>: ScalarZip { let f: F; @inline(__always) func callAsFunction(_ a: T, _ b: T) -> Bool { f(a, b) } }
private struct RealComparisonAt<F: RealComparison, T: RealElement>: ScalarZip { let f: F; @inline(__always) func callAsFunction(_ a: T, _ b: T) -> Bool { f(a, b) } }

// The boolean functions.
struct LogicalNot: ScalarMap { @inline(__always) func callAsFunction(_ x: Bool) -> Bool { !x } }
struct LogicalAnd: ScalarZip { @inline(__always) func callAsFunction(_ a: Bool, _ b: Bool) -> Bool { a && b } }
struct LogicalOr: ScalarZip { @inline(__always) func callAsFunction(_ a: Bool, _ b: Bool) -> Bool { a || b } }
struct LogicalXor: ScalarZip { @inline(__always) func callAsFunction(_ a: Bool, _ b: Bool) -> Bool { a != b } }
